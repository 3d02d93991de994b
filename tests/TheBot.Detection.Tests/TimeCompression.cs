using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TheBot.Cli.Config;
using YamlDotNet.RepresentationModel;

namespace TheBot.Detection.Tests;

/// <summary>
/// The documented transform behind the time-compressed detection profile (docs/detection.md, "The transform").
/// One factor <see cref="Factor"/> divides every waiting time of the alerting pipeline:
/// <list type="bullet">
/// <item>Prometheus' global <c>scrape_interval</c>/<c>evaluation_interval</c> (→ <see cref="Interval"/>);</item>
/// <item>every alerting rule's <c>for:</c> in the production rule files (read from <c>monitoring/prometheus</c>, never a copy),
/// kept at least <see cref="AbsentMinimumFor"/> for an expression with <c>absent()</c>;</item>
/// <item>Alertmanager's <c>group_wait</c>, <c>group_interval</c>, <c>repeat_interval</c> (every route) and <c>resolve_timeout</c>;</item>
/// <item>Prometheus' <c>--rules.alert.resend-delay</c> (1 m; applied by <see cref="DetectionCustomization"/>).</item>
/// </list>
/// Nothing else in the rules changes: expressions, range windows (<c>[5m]</c>), labels and annotations stay byte-for-byte
/// the production ones, except the threshold of an alert named in <see cref="Thresholds"/>, whose trailing
/// <c>&gt; N</c> comparison is replaced by the given number (used only where one machine cannot reach the production
/// threshold, and reported in docs/detection.md).
/// </summary>
internal sealed partial class TimeCompression
{
    public TimeCompression(double factor, IReadOnlyDictionary<string, double>? thresholds = null)
    {
        if (factor < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "the compression factor must be at least 1");
        }

        Factor = factor;
        Thresholds = thresholds ?? new Dictionary<string, double>();
    }

    /// <summary>Every production waiting time is divided by this.</summary>
    public double Factor { get; }

    /// <summary>Alert name → replacement for the number of its expression's final <c>&gt; N</c>.</summary>
    public IReadOnlyDictionary<string, double> Thresholds { get; }

    /// <summary>Production duration divided by <see cref="Factor"/>, rounded to whole milliseconds (at least 1 ms).</summary>
    public TimeSpan Scale(TimeSpan production) =>
        production == TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(1, Math.Round(production.TotalMilliseconds / Factor)));

    /// <summary>
    /// The shortest scaled <c>for</c> of an alert whose expression uses <c>absent()</c>. Such an expression is true from
    /// Prometheus' start until the first scrape of its job, and that first scrape is not scaled: Prometheus' discovery
    /// manager passes targets on at most every 5 s and its scrape manager applies them at most every 5 s (fixed in
    /// 2.42, no flag), so the first sample can come 10 s after start on a busy machine. A `for` scaled below that
    /// (BackendServiceDown: 1m → 4 s) fires at start-up; Prometheus then re-sends the resolved alert for 15 minutes,
    /// which keeps its Alertmanager group alive, and the real fault later joins that group: it is sent at the group's
    /// next flush (up to a scaled group_interval late) or, when the fault is gone by then, never. The production
    /// `for` (1 m and more) is far above it.
    /// </summary>
    public static readonly TimeSpan AbsentMinimumFor = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The scaled <c>for</c> of an alerting rule: <see cref="Scale"/> of its production <paramref name="forText"/>, but
    /// never below <see cref="AbsentMinimumFor"/> (nor above the production value) when <paramref name="expression"/>
    /// uses <c>absent()</c>.
    /// </summary>
    public TimeSpan ScaleFor(string forText, string? expression)
    {
        var production = PrometheusDuration.Parse(forText);
        var scaled = Scale(production);
        return expression is not null && expression.Contains("absent(", StringComparison.Ordinal) && scaled < AbsentMinimumFor
            ? (production < AbsentMinimumFor ? production : AbsentMinimumFor)
            : scaled;
    }

    /// <summary>The scaled Prometheus interval for a production <c>global.scrape_interval</c>.</summary>
    public TimeSpan IntervalFor(string monitoringDirectory)
    {
        var global = Yaml.Load(Path.Combine(monitoringDirectory, "prometheus", "prometheus.yml")).Map("global");
        return Scale(PrometheusDuration.Parse(global?.Text("scrape_interval") ?? "1m"));
    }

    /// <summary>
    /// Writes every rule file listed in <c>monitoring/prometheus/prometheus.yml</c> into <paramref name="destination"/>
    /// with each alert's <c>for:</c> scaled and the threshold overrides applied; returns what was changed, for the report.
    /// </summary>
    public IReadOnlyList<RuleChange> WriteRules(string monitoringDirectory, string destination)
    {
        var prometheusDir = Path.Combine(monitoringDirectory, "prometheus");
        var config = Yaml.Load(Path.Combine(prometheusDir, "prometheus.yml"));
        Directory.CreateDirectory(destination);
        var changes = new List<RuleChange>();
        var unknown = new HashSet<string>(Thresholds.Keys);
        foreach (var file in config.Seq("rule_files")?.Children.OfType<YamlScalarNode>().Select(n => n.Value!) ?? [])
        {
            var root = Yaml.Load(Path.Combine(prometheusDir, file));
            foreach (var rule in (root.Seq("groups")?.Children ?? []).OfType<YamlMappingNode>()
                         .SelectMany(g => g.Seq("rules")?.Children.OfType<YamlMappingNode>() ?? []))
            {
                if (rule.Text("alert") is not { } alert)
                {
                    continue;
                }

                var forText = rule.Text("for");
                string? scaledFor = null;
                if (forText is not null)
                {
                    scaledFor = FormatDuration(ScaleFor(forText, rule.Text("expr")));
                    rule.Set("for", scaledFor);
                }

                string? threshold = null;
                if (Thresholds.TryGetValue(alert, out var value))
                {
                    unknown.Remove(alert);
                    var expr = rule.Text("expr") ?? string.Empty;
                    var match = TrailingGreaterThan().Match(expr);
                    if (!match.Success)
                    {
                        throw new ConfigException(file, $"alert {alert}: its expression does not end in '> N', so its threshold cannot be overridden");
                    }

                    var replacement = value.ToString("0.###", CultureInfo.InvariantCulture);
                    rule.Set("expr", expr[..match.Groups["n"].Index] + replacement + expr[(match.Groups["n"].Index + match.Groups["n"].Length)..]);
                    threshold = $"{match.Groups["n"].Value} → {replacement}";
                }

                changes.Add(new RuleChange(alert, forText, scaledFor, threshold));
            }

            Yaml.Save(root, Path.Combine(destination, file));
        }

        if (unknown.Count > 0)
        {
            throw new ConfigException(prometheusDir, $"threshold overrides name alerts that do not exist: {string.Join(", ", unknown)}");
        }

        return changes;
    }

    /// <summary>Scales group_wait, group_interval and repeat_interval of every route and global.resolve_timeout in a rendered alertmanager.yml.</summary>
    public void ScaleAlertmanager(YamlMappingNode root)
    {
        if (root.Map("global") is { } global && global.Text("resolve_timeout") is { } resolve)
        {
            global.Set("resolve_timeout", FormatDuration(Scale(PrometheusDuration.Parse(resolve))));
        }

        void Route(YamlMappingNode route)
        {
            foreach (var key in (string[])["group_wait", "group_interval", "repeat_interval"])
            {
                if (route.Text(key) is { } text)
                {
                    route.Set(key, FormatDuration(Scale(PrometheusDuration.Parse(text))));
                }
            }

            foreach (var child in route.Seq("routes")?.Children.OfType<YamlMappingNode>() ?? [])
            {
                Route(child);
            }
        }

        if (root.Map("route") is { } top)
        {
            Route(top);
        }
    }

    /// <summary>A duration in whole milliseconds, the unit every scaled value is written in (e.g. <c>4000ms</c>).</summary>
    public static string FormatDuration(TimeSpan span) => $"{(long)Math.Round(span.TotalMilliseconds)}ms";

    /// <summary>The transform as a Markdown table, for docs/detection.md.</summary>
    public static string Describe(IEnumerable<RuleChange> changes)
    {
        var text = new StringBuilder("| alert | production `for` | scaled `for` | threshold override |\n|---|---|---|---|\n");
        foreach (var change in changes)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {change.Alert} | {change.ProductionFor ?? "—"} | {change.ScaledFor ?? "—"} | {change.Threshold ?? "—"} |\n");
        }

        return text.ToString();
    }

    [GeneratedRegex(@">\s*(?<n>\d+(\.\d+)?)\s*$")]
    private static partial Regex TrailingGreaterThan();
}

/// <summary>What the transform did to one alert.</summary>
internal sealed record RuleChange(string Alert, string? ProductionFor, string? ScaledFor, string? Threshold);
