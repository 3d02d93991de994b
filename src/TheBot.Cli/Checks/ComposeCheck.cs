namespace TheBot.Cli.Checks;

/// <summary>
/// docker-compose.monitoring.yml: <c>docker-compose config -q</c> (with dummies for the secrets the file requires),
/// and every repository file it mounts (a volume or env_file source starting with '.',
/// relative to the compose file) exists.
/// </summary>
public sealed class ComposeCheck : IMonitoringCheck
{
    /// <summary>The compose file's name in monitoring/.</summary>
    public const string FileName = "docker-compose.monitoring.yml";

    /// <summary>
    /// The variables the compose file refuses to start without (Grafana's admin password, the scrape token, the
    /// monitoring plane's basic auth password and its bcrypt hash, the
    /// Alertmanager receivers), with dummy values, plus PATH: the environment the check validates the file in.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> DummyEnvironment =
        new Dictionary<string, string>(AlertmanagerCheck.DummySecrets)
        {
            ["GRAFANA_ADMIN_PASSWORD"] = "dummy-check-password",
            ["THEBOT_SCRAPE_TOKEN"] = "dummy-scrape-token",
            ["MONITORING_WEB_PASSWORD"] = "dummy-web-password",
            ["MONITORING_WEB_PASSWORD_BCRYPT"] = "$2y$10$dummy.bcrypt.hash.of.the.web.password.for.the.check",
        };

    /// <summary>What the line says was checked.</summary>
    public const string Name = "docker-compose config, mounted files exist";

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var file = context.Monitoring(FileName);
        var shown = context.Display(file);
        if (!File.Exists(file))
        {
            return [CheckResult.Fail(shown, Name, "missing")];
        }

        var problems = new List<string>();
        var result = await CheckTool.RunAsync("docker-compose", ["-f", file, "config", "-q"], cancellationToken, context.MonitoringDir, DummyEnvironment);
        if (result is null)
        {
            problems.Add(CheckTool.Missing("docker-compose"));
        }
        else if (!result.Succeeded)
        {
            problems.Add("docker-compose config: " + CheckTool.Useful(result));
        }

        try
        {
            problems.AddRange(MissingMounts(file));
        }
        catch (YamlFormatException e)
        {
            problems.Add(e.Message);
        }

        return [CheckResult.From(shown, Name, problems)];
    }

    /// <summary>The relative sources <paramref name="composeFile"/> mounts, as (service, source, full path).</summary>
    public static IEnumerable<(string Service, string Source, string Path)> Mounts(string composeFile)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(composeFile))!;
        foreach (var (name, service) in YamlMap.Load(composeFile).At("services").AsMap())
        {
            var sources = service.At("volumes").AsList()
                .Select(v => v is string s ? s.Split(':')[0] : v.At("source").AsText())
                .Concat(service.At("env_file") is string one ? [one] : service.At("env_file").AsList().Select(e => e as string ?? e.At("path").AsText()));
            foreach (var source in sources.OfType<string>().Where(s => s.StartsWith('.')))
            {
                yield return ((string)name, source, Path.GetFullPath(Path.Combine(folder, source)));
            }
        }
    }

    private static IEnumerable<string> MissingMounts(string composeFile) =>
        Mounts(composeFile)
            .Where(m => !File.Exists(m.Path) && !Directory.Exists(m.Path))
            .Select(m => $"service {m.Service} mounts {m.Source}, which does not exist")
            .ToList();
}
