using TheBot.Stack;

namespace TheBot.Cli.Local.Components;

/// <summary>
/// What the backend and frontend share as stack processes: one of this repository's ASP.NET Core programs, built into
/// <paramref name="servicesBuild"/> and run by the dotnet host on loopback, with the stack's secrets, its log folder (as
/// Alloy tails it) and readiness on the library's <c>/api/system/readiness/</c>.
/// </summary>
internal sealed class DotnetService(StackPaths paths, string servicesBuild, string dotnetHost, string aspNetEnvironment)
{
    /// <summary>The projects the stack builds (<c>up</c>, before it starts anything) and runs: the backend's and the frontend's.</summary>
    public static IReadOnlyList<string> Projects { get; } = [Backend.Project, Frontend.Project];

    /// <summary>
    /// The <c>dotnet</c> arguments that build <paramref name="project"/> (<c>src/&lt;project&gt;/&lt;project&gt;.csproj</c>)
    /// in Release into its folder under <paramref name="buildFolder"/>, where <see cref="Spec"/> runs it from; quiet but
    /// for errors, which <c>up</c> prints when the build fails.
    /// </summary>
    public static IReadOnlyList<string> BuildArguments(string repositoryRoot, string buildFolder, string project) =>
        ["build", Path.Combine(repositoryRoot, "src", project, project + ".csproj"), "-c", "Release", "--nologo", "-v", "quiet",
         "-clp:ErrorsOnly", "-o", OutputOf(buildFolder, project)];

    /// <summary>The spec of <paramref name="project"/> run as <paramref name="name"/> on <paramref name="port"/>.</summary>
    public ProcessSpec Spec(string name, string project, int port, Dictionary<string, string> environment, string[] dependsOn)
    {
        var url = $"http://127.0.0.1:{port}";
        environment["ASPNETCORE_URLS"] = url;
        environment["ASPNETCORE_ENVIRONMENT"] = aspNetEnvironment;
        environment["DOTNET_NOLOGO"] = "1";
        environment["Monitoring__ServiceName"] = $"thebot-{name}";
        environment["Monitoring__ScrapeTokenFile"] = paths.SecretFile(SecretNames.ScrapeToken);
        environment["Monitoring__AdminTokenFile"] = paths.SecretFile(SecretNames.AdminToken);
        environment["Logging__File__Path"] = Path.Combine(paths.Logs, "services"); // thebot-<name>.log, as Alloy tails them
        return new ProcessSpec(name, dotnetHost)
        {
            Arguments = [Path.Combine(OutputOf(servicesBuild, project), project + ".dll")],
            WorkingDirectory = OutputOf(servicesBuild, project),
            Environment = environment,
            Ports = new Dictionary<string, int> { ["http"] = port },
            Readiness = ReadinessProbe.HttpGet($"{url}/api/system/readiness/"),
            // The library's health document names the service, its version and its status (degraded while Redis is down).
            Version = VersionProbe.HttpJson($"{url}/api/system/health/", health =>
                $"{health.GetProperty("service").GetString()} {health.GetProperty("version").GetString()} ({health.GetProperty("status").GetString()})"),
            ReadinessTimeout = TimeSpan.FromSeconds(60),
            DependsOn = dependsOn,
        };
    }

    /// <summary>Where the system endpoints' tokens are, as the services table shows it.</summary>
    public string SystemEndpointTokens =>
        $"system endpoints: Bearer {paths.SecretFile(SecretNames.ScrapeToken)} (scrape), {paths.SecretFile(SecretNames.AdminToken)} (admin)";

    private static string OutputOf(string buildFolder, string project) => Path.Combine(buildFolder, project);
}
