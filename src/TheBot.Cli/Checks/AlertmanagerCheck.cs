using System.Text.RegularExpressions;

namespace TheBot.Cli.Checks;

/// <summary>
/// alertmanager/alertmanager.yml: <c>amtool check-config</c> on the committed file (routes, receivers, inhibit rules);
/// then every <c>templates:</c> glob must match a file in alertmanager/templates/, and the file rendered by
/// render-config.sh (dummy secrets, templates pointed at the folder) must pass amtool too, which parses the templates.
/// </summary>
public sealed partial class AlertmanagerCheck : IMonitoringCheck
{
    /// <inheritdoc />
    public string Key => "alertmanager";

    /// <summary>What the first line says was checked.</summary>
    public const string Name = "amtool check-config";

    /// <summary>What the second line says was checked.</summary>
    public const string RenderedName = "templates, render-config.sh, amtool check-config on the result";

    /// <summary>Where the container mounts alertmanager/.</summary>
    public const string ContainerDir = "/etc/alertmanager/";

    /// <summary>Values for every secret variable of render-config.sh; URLs point at the loopback discard port.</summary>
    public static readonly IReadOnlyDictionary<string, string> DummySecrets = new Dictionary<string, string>
    {
        ["SLACK_WEBHOOK_URL"] = "http://127.0.0.1:9/slack",
        ["PAGERDUTY_SERVICE_KEY"] = "dummy-pagerduty-key",
        ["SMTP_PASSWORD"] = "dummy|password&with\\specials",
        ["SMTP_HOST"] = "127.0.0.1",
        ["SMTP_PORT"] = "9",
        ["SMTP_USER"] = "alerts@thebot.example",
        ["ALERT_WEBHOOK_URL"] = "http://127.0.0.1:9/default?a=1&b=2",
        ["DEADMANS_SWITCH_URL"] = "http://127.0.0.1:9/deadmans-switch",
        ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
    };

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var config = context.Monitoring("alertmanager", "alertmanager.yml");
        var shown = context.Display(config);
        if (!File.Exists(config))
        {
            return [CheckResult.Fail(shown, Name, "missing")];
        }

        var result = await CheckTool.RunAsync("amtool", ["check-config", config], cancellationToken);
        if (result is null)
        {
            return [CheckResult.Fail(shown, Name, CheckTool.Missing("amtool"))];
        }

        if (!result.Succeeded)
        {
            return [CheckResult.Fail(shown, Name, CheckTool.Useful(result))];
        }

        return [CheckResult.Pass(shown, Name), await RenderedAsync(context, config, shown, cancellationToken)];
    }

    /// <summary>
    /// Runs render-config.sh into <paramref name="outputDir"/> with <paramref name="environment"/> (default: the dummy
    /// secrets) and points the template globs at <paramref name="alertmanagerDir"/>. Returns the rendered file, or the
    /// script's failure.
    /// </summary>
    public static async Task<(string? Rendered, string Error)> RenderAsync(
        string alertmanagerDir, string outputDir, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var output = Path.Combine(outputDir, "alertmanager.yml");
        var result = await CheckTool.RunAsync(
            "sh", [Path.Combine(alertmanagerDir, "render-config.sh"), Path.Combine(alertmanagerDir, "alertmanager.yml"), output, Path.Combine(outputDir, "secrets")],
            cancellationToken, environment: environment ?? DummySecrets);
        if (result is null)
        {
            return (null, CheckTool.Missing("sh"));
        }

        if (!result.Succeeded)
        {
            return (null, "render-config.sh: " + CheckTool.Useful(result));
        }

        var text = (await File.ReadAllTextAsync(output, cancellationToken)).Replace(ContainerDir + "templates/", Path.Combine(alertmanagerDir, "templates") + "/", StringComparison.Ordinal);
        await File.WriteAllTextAsync(output, text, cancellationToken);
        return (output, "");
    }

    private static async Task<CheckResult> RenderedAsync(CheckContext context, string config, string shown, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        try
        {
            foreach (var glob in YamlMap.Load(config).At("templates").AsList().OfType<string>())
            {
                var local = glob.StartsWith(ContainerDir, StringComparison.Ordinal) ? context.Monitoring("alertmanager", glob[ContainerDir.Length..]) : glob;
                var folder = Path.GetDirectoryName(local)!;
                if (!Directory.Exists(folder) || Directory.GetFiles(folder, Path.GetFileName(local)).Length == 0)
                {
                    problems.Add($"templates: {glob} matches no file ({context.Display(local)})");
                }
            }
        }
        catch (YamlFormatException e)
        {
            problems.Add(e.Message);
        }

        if (problems.Count > 0 || !File.Exists(context.Monitoring("alertmanager", "render-config.sh")))
        {
            return CheckResult.From(shown, RenderedName, problems.Count > 0 ? problems : ["render-config.sh missing"]);
        }

        using var dir = new CheckTempDir();
        var script = context.Display(context.Monitoring("alertmanager", "render-config.sh"));
        var (rendered, error) = await RenderAsync(context.Monitoring("alertmanager"), dir.Path, cancellationToken: cancellationToken);
        if (rendered is null)
        {
            return CheckResult.Fail(script, RenderedName, error);
        }

        var settings = (await File.ReadAllLinesAsync(rendered, cancellationToken)).Where(l => !l.TrimStart().StartsWith('#'));
        var left = settings.SelectMany(l => Placeholder().Matches(l)).Select(m => m.Value).Distinct().ToList();
        if (left.Count > 0)
        {
            return CheckResult.Fail(script, RenderedName, $"the rendered alertmanager.yml still holds {string.Join(", ", left)} (every variable of .env.example must be substituted)");
        }

        var result = await CheckTool.RunAsync("amtool", ["check-config", rendered], cancellationToken);
        if (result is null)
        {
            return CheckResult.Fail(shown, RenderedName, "rendered file: " + CheckTool.Missing("amtool"));
        }

        if (result.Succeeded)
        {
            return CheckResult.Pass(shown, RenderedName);
        }

        var reason = CheckTool.Useful(result, new Dictionary<string, string> { [rendered] = "(rendered)" });
        var template = TemplateError().Match(reason);
        return template.Success
            ? CheckResult.Fail(context.Display(context.Monitoring("alertmanager", "templates", template.Groups["file"].Value)), RenderedName, $"line {template.Groups["line"].Value}: {template.Groups["what"].Value.Trim()} (amtool check-config on the rendered alertmanager.yml)")
            : CheckResult.Fail(shown, RenderedName, "rendered file: " + reason);
    }

    // What render-config.sh must replace: ${NAME} and the https://unset.invalid/ stand-ins.
    [GeneratedRegex(@"\$\{[A-Z_]+\}|https://unset\.invalid/\S*")]
    private static partial Regex Placeholder();

    // amtool's "template: thebot.tmpl:10: unexpected ..." (Go text/template's error format).
    [GeneratedRegex(@"template: (?<file>[^:\s]+\.tmpl):(?<line>\d+):(?<what>.*)")]
    private static partial Regex TemplateError();
}
