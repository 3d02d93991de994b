using System.Text.RegularExpressions;
using TheBot.Cli.Config;
using TheBot.Cli.Local;

namespace TheBot.Cli.Checks;

/// <summary>
/// <c>promtool check config</c> on prometheus/prometheus.yml. promtool follows rule_files (relative to the config)
/// and stats every credentials file, which in the container lives under /etc/prometheus/secrets/. The check runs on
/// a temp copy beside copies of the rule files, with only absolute credential paths pointed at a dummy token;
/// everything else is checked as committed and temp paths in promtool's answer are shown as the real file.
/// The HA topology's prometheus-ha.yml the same way, with the file_sd files (targets/) it reads, which promtool checks.
/// Each file must also keep the contract <c>up</c> renders it by (<see cref="PrometheusConfigContract"/>: contract §3's
/// jobs, global durations, the HA parts), which promtool knows nothing of: a file check passes is one up accepts.
/// </summary>
public sealed partial class PrometheusConfigCheck : IMonitoringCheck
{
    /// <inheritdoc />
    public string Key => "prometheus-config";

    /// <summary>What the result line says was checked.</summary>
    public const string Name = "promtool check config";

    /// <summary>The configurations in monitoring/prometheus/: the single-node one (required) and the HA topology's (if present).</summary>
    public static readonly IReadOnlyList<string> ConfigFiles = [PrometheusConfigContract.SingleNodeFile, PrometheusConfigContract.HighAvailabilityFile];

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>();
        foreach (var name in ConfigFiles)
        {
            if (name == ConfigFiles[0] || File.Exists(context.Monitoring("prometheus", name)))
            {
                results.Add(await CheckAsync(context, name, cancellationToken));
            }
        }

        return results;
    }

    private static async Task<CheckResult> CheckAsync(CheckContext context, string name, CancellationToken cancellationToken)
    {
        var config = context.Monitoring("prometheus", name);
        var shown = context.Display(config);
        if (!File.Exists(config))
        {
            return CheckResult.Fail(shown, Name, "missing");
        }

        using var dir = new CheckTempDir();
        var dummy = dir.File("dummy-credential");
        await File.WriteAllTextAsync(dummy, "dummy-token", cancellationToken);
        var text = CredentialFile().Replace(await File.ReadAllTextAsync(config, cancellationToken), m => $"{m.Groups[1].Value}{dummy}");
        await File.WriteAllTextAsync(dir.File(name), text, cancellationToken);
        foreach (var file in Directory.GetFiles(context.Monitoring("prometheus"), "*.yml").Where(f => Path.GetFileName(f) != name))
        {
            File.Copy(file, dir.File(Path.GetFileName(file)));
        }

        var targets = context.Monitoring("prometheus", "targets");
        if (Directory.Exists(targets))
        {
            Directory.CreateDirectory(dir.File("targets"));
            foreach (var file in Directory.GetFiles(targets))
            {
                File.Copy(file, dir.File(Path.Combine("targets", Path.GetFileName(file))));
            }
        }

        var problems = ContractProblems(config, name).ToList();
        var result = await CheckTool.RunAsync("promtool", ["check", "config", dir.File(name)], cancellationToken);
        if (result is null)
        {
            problems.Add(CheckTool.Missing("promtool"));
        }
        else if (!result.Succeeded)
        {
            var map = new Dictionary<string, string> { [dir.File(name)] = shown, [dir.Path + "/"] = context.Display(context.Monitoring("prometheus")) + "/" };
            problems.Add(CheckTool.Useful(result, map));
        }

        return CheckResult.From(shown, Name, problems);
    }

    /// <summary>
    /// What <c>up</c> would refuse in <paramref name="config"/> (<paramref name="name"/>, the HA parts for the HA file):
    /// the same <see cref="PrometheusConfigContract"/> its render enforces, an empty file or a non-mapping included.
    /// </summary>
    private static IReadOnlyList<string> ContractProblems(string config, string name)
    {
        try
        {
            return PrometheusConfigContract.Problems(Yaml.Load(config), highAvailability: name == PrometheusConfigContract.HighAvailabilityFile);
        }
        catch (ConfigException exception)
        {
            return [exception.Reason];
        }
    }

    // An absolute credentials/password/bearer-token file path (the container's), not a relative one.
    [GeneratedRegex(@"(\b(?:credentials_file|password_file|bearer_token_file):[ \t]*['""]?)/[^\s'""#]+", RegexOptions.Multiline)]
    private static partial Regex CredentialFile();
}
