namespace TheBot.Cli.Checks;

/// <summary>
/// docker-compose.monitoring.yml: <c>docker-compose config -q</c> (with dummies for the secrets the file requires),
/// and every repository file it mounts (a volume or env_file source starting with '.',
/// relative to the compose file) exists. Each overlay (<see cref="Overlays"/>) the same way, merged over it.
/// </summary>
public sealed class ComposeCheck : IMonitoringCheck
{
    /// <inheritdoc />
    public string Key => "compose";

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

    /// <summary>
    /// Files in monitoring/ that are used only on top of <see cref="FileName"/> (<c>-f base -f overlay</c>): the HA
    /// topology. Validated merged, since alone they lack the services they override.
    /// </summary>
    public static readonly IReadOnlyList<string> Overlays = ["docker-compose.ha.yml"];

    /// <summary>What the line says was checked.</summary>
    public const string Name = "docker-compose config, mounted files exist";

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var baseFile = context.Monitoring(FileName);
        var results = new List<CheckResult> { await CheckAsync(context, [baseFile], cancellationToken) };
        foreach (var overlay in Overlays.Select(o => context.Monitoring(o)).Where(File.Exists))
        {
            results.Add(await CheckAsync(context, [baseFile, overlay], cancellationToken));
        }

        return results;
    }

    /// <summary>One result for the last of <paramref name="files"/>, merged over the ones before it.</summary>
    private static async Task<CheckResult> CheckAsync(CheckContext context, string[] files, CancellationToken cancellationToken)
    {
        var file = files[^1];
        var shown = context.Display(file);
        if (!files.All(File.Exists))
        {
            return CheckResult.Fail(shown, Name, "missing");
        }

        var problems = new List<string>();
        var result = await CheckTool.RunAsync("docker-compose", [.. files.SelectMany(f => new[] { "-f", f }), "config", "-q"], cancellationToken, context.MonitoringDir, DummyEnvironment);
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

        return CheckResult.From(shown, Name, problems);
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
