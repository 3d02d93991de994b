using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TheBot.Cli.Config;
using TheBot.Cli.Local;
using YamlDotNet.RepresentationModel;

namespace TheBot.Detection.Tests;

/// <summary>
/// Every wait of the detection suites, derived from what is awaited instead of guessed (issue 10, item 9): an alert's
/// range window (through the recording rules it reads), the scrape interval and timeout of the jobs its series come
/// from, the rule evaluations between a sample and the alert, its scaled <c>for</c>, and its route's scaled
/// <c>group_wait</c>/<c>group_interval</c>/<c>repeat_interval</c>; plus one stated margin (<see cref="WithMargin"/>).
/// The formulas are written into docs/detection.md by <see cref="Describe"/>.
/// </summary>
internal sealed partial class DetectionTiming
{
    /// <summary>Share added to every derived bound: delivery to the sinks (SMTP with STARTTLS), a busy 2-core machine.</summary>
    public const double ProportionalMargin = 0.2;

    /// <summary>Added on top of <see cref="ProportionalMargin"/>: a short bound must still survive a GC pause or a slow SMTP handshake.</summary>
    public static readonly TimeSpan FixedMargin = TimeSpan.FromSeconds(10);

    /// <summary>Issue 10, item 9: why the guessed waits failed, for docs/detection.md.</summary>
    private const string WhyDerived = """
        **Why not fixed timeouts.** A clean-clone CI run failed with "BackendHighLatency: no resolved notification on
        slack:#thebot-ops, email:ops@thebot.example" (fired after 118.9 s; the suite then waited a guessed 180 s). The
        alert reads `job:thebot_http_request_duration_seconds:p95`, a p95 over a 5-minute window that the compression does
        not scale. It resolves only when fewer than 5 % of the requests in that window are slow: either enough fast traffic
        dilutes the slow requests (the 250 req/s sent after the fault, each run of which first spends part of its 5 s on
        creating users and courses, so the achieved rate depends on the machine), or the slow requests leave the window
        (5 minutes after the last one). Alertmanager then sends the resolution only at the group's next flush, up to
        `group_interval` later (ops-team: 10 m / 15 = 40 s). On a machine where the dilution fell short, 180 s was less
        than "dilution time + 40 s"; the guaranteed bound is the drain of the window: 300 s + scrape + 2 evaluations +
        40 s, plus the margin. The same applies to every windowed alert (error ratio, slow queries, CPU, disk I/O), and
        to their firing, which may need the window to fill. `repeat_interval` plays no part (it only re-sends a firing
        alert), nor does `resolve_timeout` (above).
        """;

    /// <summary>
    /// Alertmanager's dispatcher drops emptied aggregation groups only at its maintenance, every 30 s (fixed in its
    /// code, not configurable); until then a new alert of the same group is sent at the next group_interval flush.
    /// </summary>
    public static readonly TimeSpan AlertmanagerMaintenance = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Prometheus re-sends a resolved alert to Alertmanager for 15 minutes after it resolved (fixed in its code:
    /// <c>resolvedRetention</c>, not scaled by the time compression), and each re-send puts the alert back into its
    /// aggregation group. Until then the group of an alert resolved earlier still exists, and the same alert firing again
    /// joins it and is sent at that group's next group_interval flush, not after group_wait (a Redis SIGSTOP paged after
    /// more than 28 s instead of ~11 s 8 minutes after an earlier RedisDown had resolved).
    /// </summary>
    public static readonly TimeSpan PrometheusResolvedResend = TimeSpan.FromMinutes(15);

    private readonly TimeCompression _compression;
    private readonly IReadOnlyDictionary<string, ScrapeJob> _jobs;
    private readonly ScrapeJob _global;
    private readonly Dictionary<string, Terms> _terms = [];

    public DetectionTiming(TimeCompression compression, TimeSpan evaluation, ScrapeJob global, IReadOnlyDictionary<string, ScrapeJob> jobs)
    {
        _compression = compression;
        Evaluation = evaluation;
        _global = global;
        _jobs = jobs;
    }

    /// <summary>How often a Prometheus job is scraped and how long one scrape may take before <c>up</c> is 0.</summary>
    public sealed record ScrapeJob(TimeSpan Interval, TimeSpan Timeout);

    /// <summary>The terms every bound of one alert is made of (scaled, as the compressed stack runs them).</summary>
    /// <param name="Alert">Alert name.</param>
    /// <param name="For">Scaled <c>for</c>.</param>
    /// <param name="Fill">Longest range window the expression reads (recording rules included): after it, the window holds only the fault.</param>
    /// <param name="Drain">Window that must empty of the fault before the expression is false: the longest one, or for <c>a and b</c> the shorter branch's.</param>
    /// <param name="Scrape">Longest scrape interval of the jobs the expression's series come from.</param>
    /// <param name="ScrapeTimeout">Their longest scrape timeout (how long a hung target takes to become <c>up == 0</c>).</param>
    /// <param name="Evaluations">One evaluation interval per rule level between the sample and the alert (recording rules + the alert).</param>
    /// <param name="Route">The alert's route (production timers).</param>
    /// <param name="GroupWait">Scaled group_wait of the route.</param>
    /// <param name="GroupInterval">Scaled group_interval of the route (the wait for a resolved notification).</param>
    /// <param name="RepeatInterval">Scaled repeat_interval of the route.</param>
    /// <param name="Jobs">The jobs found in the expression.</param>
    public sealed record Terms(string Alert, TimeSpan For, TimeSpan Fill, TimeSpan Drain, TimeSpan Scrape, TimeSpan ScrapeTimeout, TimeSpan Evaluations,
        AlertCatalog.Route Route, TimeSpan GroupWait, TimeSpan GroupInterval, TimeSpan RepeatInterval, IReadOnlyList<string> Jobs);

    /// <summary>Prometheus' rule evaluation interval.</summary>
    public TimeSpan Evaluation { get; }

    /// <summary>Prometheus' scaled <c>--rules.alert.resend-delay</c> (1 m in production; see LocalStack).</summary>
    public TimeSpan ResendDelay => _compression.Scale(TimeSpan.FromMinutes(1));

    /// <summary>Reads the scrape jobs from the prometheus.yml the stack actually runs (job intervals may differ from the global one).</summary>
    public static DetectionTiming Load(TimeCompression compression, string renderedPrometheusConfig)
    {
        var root = Yaml.Load(renderedPrometheusConfig);
        var global = root.Map("global")!;
        var interval = PrometheusDuration.Parse(global.Text("scrape_interval") ?? "1m");
        var timeout = PrometheusDuration.Parse(global.Text("scrape_timeout") ?? "10s");
        var evaluation = PrometheusDuration.Parse(global.Text("evaluation_interval") ?? "1m");
        var jobs = new Dictionary<string, ScrapeJob>();
        foreach (var job in root.Seq("scrape_configs")!.Children.OfType<YamlMappingNode>())
        {
            var own = job.Text("scrape_interval") is { } i ? PrometheusDuration.Parse(i) : interval;
            var ownTimeout = job.Text("scrape_timeout") is { } t ? PrometheusDuration.Parse(t) : Min(timeout, own);
            jobs[job.Text("job_name")!] = new ScrapeJob(own, ownTimeout);
        }

        return new DetectionTiming(compression, evaluation, new ScrapeJob(interval, Min(timeout, interval)), jobs);
    }

    /// <summary>The bound-making terms of <paramref name="alert"/>.</summary>
    public Terms Of(string alert)
    {
        lock (_terms)
        {
            if (!_terms.TryGetValue(alert, out var terms))
            {
                _terms[alert] = terms = Derive(alert);
            }

            return terms;
        }
    }

    /// <summary>
    /// The time to notify no pipeline can beat when the fault is visible at once: the scrape interval of the alert's
    /// series + <paramref name="detection"/> (how long the observer needs to notice a hang, e.g. a scrape timeout) +
    /// one evaluation interval per rule level (a sample is seen only at the next evaluation, and <c>for</c> ends on
    /// an evaluation tick, as the scrape interval counts the sample's own alignment) + scaled <c>for</c> + scaled
    /// <c>group_wait</c>. A scenario passes "within floor + 10 %".
    /// </summary>
    public TimeSpan Floor(string alert, TimeSpan detection = default)
    {
        var t = Of(alert);
        return t.Scrape + detection + t.Evaluations + t.For + t.GroupWait;
    }

    /// <summary>
    /// Longest time from a fault to the alert's first notification: the window filling with the fault
    /// (<see cref="Terms.Fill"/>) + <paramref name="ramp"/> (the fault's own time to cross the threshold, e.g. a query
    /// reaching 5 s) + scrape interval + <paramref name="detection"/> + evaluations + <c>for</c> + <c>group_wait</c> +
    /// resend delay (Prometheus re-sends only after it when its first send was lost), with the margin.
    /// </summary>
    public TimeSpan ToNotify(string alert, TimeSpan detection = default, TimeSpan ramp = default)
    {
        var t = Of(alert);
        return WithMargin(t.Fill + ramp + t.Scrape + detection + t.Evaluations + t.For + t.GroupWait + ResendDelay);
    }

    /// <summary>
    /// Longest time from the fault's removal to the resolved notification: the window draining of the fault
    /// (<see cref="Terms.Drain"/>) + scrape interval + <paramref name="detection"/> + evaluations + <c>group_interval</c>
    /// (Alertmanager sends a resolution only at the group's next flush), with the margin.
    /// </summary>
    public TimeSpan ToResolve(string alert, TimeSpan detection = default)
    {
        var t = Of(alert);
        return WithMargin(t.Drain + t.Scrape + detection + t.Evaluations + t.GroupInterval);
    }

    /// <summary>Longest time from a fault until Prometheus holds the alert as firing: fill + scrape + evaluations + <c>for</c>, with the margin.</summary>
    public TimeSpan ToFire(string alert)
    {
        var t = Of(alert);
        return WithMargin(t.Fill + t.Scrape + t.Evaluations + t.For);
    }

    /// <summary>Longest time from a fault's end until Prometheus no longer holds the alert pending or firing: drain + scrape + evaluations, with the margin.</summary>
    public TimeSpan ToClear(string alert)
    {
        var t = Of(alert);
        return WithMargin(t.Drain + t.Scrape + t.Evaluations);
    }

    /// <summary>Longest time between two notifications of a firing alert: <c>repeat_interval</c> + <c>group_interval</c> (a repeat leaves at a flush), with the margin.</summary>
    public TimeSpan ToRepeat(string alert)
    {
        var t = Of(alert);
        return WithMargin(t.RepeatInterval + t.GroupInterval);
    }

    /// <summary>Once Prometheus fires an alert, how long until a notification of it would have left Alertmanager: one evaluation (the send) + <c>group_wait</c>, with the margin.</summary>
    public TimeSpan ToDeliver(string alert) => WithMargin(Evaluation + Of(alert).GroupWait);

    /// <summary>
    /// How long a fault users should not feel is held: long enough that any critical alert whose condition it made
    /// true from the start would have notified (scrape + evaluations + <c>for</c> + <c>group_wait</c>, the longest over
    /// the critical alerts), with the margin. Windowed alerts need the bad share to reach their threshold first; the
    /// faults of the no-false-page table are far above any threshold if they were counted at all.
    /// </summary>
    public (TimeSpan Duration, string Alert) CriticalExposure()
    {
        var longest = AlertCatalog.ProductionAlerts.Keys.Where(a => AlertCatalog.Severity(a) == "critical")
            .Select(a => (Bound: Of(a).Scrape + Of(a).Evaluations + Of(a).For + Of(a).GroupWait, Alert: a))
            .MaxBy(x => x.Bound);
        return (WithMargin(longest.Bound), longest.Alert);
    }

    /// <summary>The stated margin: <paramref name="bound"/> × (1 + <see cref="ProportionalMargin"/>) + <see cref="FixedMargin"/>.</summary>
    public static TimeSpan WithMargin(TimeSpan bound) => bound * (1 + ProportionalMargin) + FixedMargin;

    /// <summary>The formulas and this run's terms for <paramref name="alerts"/>, as Markdown.</summary>
    public string Describe(IEnumerable<string> alerts)
    {
        var text = new StringBuilder();
        text.AppendLine("## How long the suites wait");
        text.AppendLine();
        text.AppendLine("Every wait of both suites comes from `tests/TheBot.Detection.Tests/DetectionTiming.cs`; none is a guessed");
        text.AppendLine("constant. Terms, all as the compressed stack runs them:");
        text.AppendLine();
        text.AppendLine("- **fill / drain**: the alert's range window, found in its expression and the recording rules it reads");
        text.AppendLine("  (`job:…:p95` → `rate(…[5m])`): after one window the window holds only the fault (fill), or none of it (drain).");
        text.AppendLine("  For `a and b` the drain is the shorter branch's (either false clears it). Range windows are not scaled.");
        text.AppendLine("- **scrape** / **timeout**: interval and timeout of the jobs the expression's series come from (rendered prometheus.yml);");
        text.AppendLine("- **evaluations**: one evaluation interval per rule level (each recording rule on the way, and the alert);");
        text.AppendLine("- **for**, **group_wait**, **group_interval**, **repeat_interval**: scaled; **resend**: Prometheus' scaled resend delay;");
        text.AppendLine("- **detection** (hang scenarios only): how long the observer needs to notice a hang (a scrape timeout, or the");
        text.AppendLine("  backend's probe interval + its database probe timeout); **ramp**: the fault's own time to cross the threshold.");
        text.AppendLine();
        text.AppendLine("| wait | formula |");
        text.AppendLine("|---|---|");
        text.AppendLine("| floor (time-to-page target; a hang must page within floor + 10 %) | scrape + detection + evaluations + for + group_wait |");
        text.AppendLine("| until the first notification | M(fill + ramp + scrape + detection + evaluations + for + group_wait + resend) |");
        text.AppendLine("| until the resolved notification, from the fault's removal | M(drain + scrape + detection + evaluations + group_interval) |");
        text.AppendLine("| until Prometheus fires it (inhibition checks) | M(fill + scrape + evaluations + for) |");
        text.AppendLine("| until Prometheus no longer has it pending/firing (settling before a fault) | M(drain + scrape + evaluations) |");
        text.AppendLine("| until a firing alert is notified again | M(repeat_interval + group_interval) |");
        text.AppendLine("| after it fires, until a notification would have left Alertmanager (leak checks) | M(evaluation + group_wait) |");
        text.AppendLine("| how long a fault users don't feel is held | M(max over critical alerts of scrape + evaluations + for + group_wait) |");
        text.AppendLine("| before paging an alert notified earlier: its resolution, Prometheus' re-sends of the resolved alert, then Alertmanager dropping the emptied group | until resolved (bound above), then 15 min (Prometheus' resolved retention) + M(group_interval + 30 s maintenance) |");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"**Margin**: M(x) = x × {1 + ProportionalMargin:0.##} + {FixedMargin.TotalSeconds:0} s (delivery through the sinks, SMTP with STARTTLS, a busy 2-core machine).");
        text.AppendLine("`resolve_timeout` does not bound anything: Prometheus sends every alert with an end time, and sends the resolution");
        text.AppendLine("itself at the first evaluation that finds the condition false; Alertmanager then waits for the group's next flush.");
        text.AppendLine();
        text.AppendLine(WhyDerived);
        text.AppendLine();
        text.AppendLine("<details><summary>Terms and bounds of the alerts waited for in this run</summary>");
        text.AppendLine();
        text.AppendLine("| alert | for | fill | drain | scrape (timeout) | evaluations | group_wait | group_interval | notify ≤ | resolve ≤ |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var alert in alerts.Distinct().Order(StringComparer.Ordinal))
        {
            var t = Of(alert);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {alert} | {S(t.For)} | {S(t.Fill)} | {S(t.Drain)} | {S(t.Scrape)} ({S(t.ScrapeTimeout)}) | {S(t.Evaluations)} | {S(t.GroupWait)} | {S(t.GroupInterval)} | {S(ToNotify(alert))} | {S(ToResolve(alert))} |");
        }

        text.AppendLine();
        text.AppendLine("</details>");
        return text.ToString();
    }

    /// <summary>Seconds with one decimal, for reports.</summary>
    public static string S(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";

    private Terms Derive(string alert)
    {
        var rule = AlertCatalog.ProductionAlerts[alert];
        var expr = rule.Text("expr") ?? string.Empty;
        var branches = TopLevelAnd(expr).Select(b => Inline(b, 0)).ToList();
        var windows = branches.Select(b => Window(b.Text)).ToList();
        var all = string.Join('\n', branches.Select(b => b.Text));
        var jobs = JobsOf(all);
        var scrape = jobs.Count == 0 ? _global : new ScrapeJob(jobs.Max(j => _jobs[j].Interval), jobs.Max(j => _jobs[j].Timeout));
        var route = AlertCatalog.RouteFor(alert);
        return new Terms(
            alert,
            rule.Text("for") is { } f ? _compression.ScaleFor(f, rule.Text("expr")) : TimeSpan.Zero,
            windows.Max(),
            windows.Count > 1 ? windows.Min() : windows.Max(),
            scrape.Interval,
            scrape.Timeout,
            Evaluation * (1 + branches.Max(b => b.Depth)),
            route,
            _compression.Scale(route.GroupWait),
            _compression.Scale(route.GroupInterval),
            _compression.Scale(route.RepeatInterval),
            jobs);
    }

    /// <summary>The expression with every recording rule it reads appended (recursively), and how many rule levels deep it goes.</summary>
    private static (string Text, int Depth) Inline(string expr, int depth)
    {
        if (depth > 16)
        {
            throw new InvalidOperationException($"recording rules nest deeper than 16 levels at: {expr}");
        }

        var text = new StringBuilder(expr);
        var deepest = depth;
        foreach (var name in RecordedName().Matches(expr).Select(m => m.Value).Distinct())
        {
            if (AlertCatalog.RecordingRules.TryGetValue(name, out var definitions))
            {
                foreach (var definition in definitions)
                {
                    var (inner, innerDepth) = Inline(definition, depth + 1);
                    text.Append('\n').Append(inner);
                    deepest = Math.Max(deepest, innerDepth);
                }
            }
        }

        return (text.ToString(), deepest);
    }

    private static TimeSpan Window(string text) =>
        RangeSelector().Matches(text).Select(m => PrometheusDuration.Parse(m.Groups["d"].Value)).DefaultIfEmpty(TimeSpan.Zero).Max();

    private List<string> JobsOf(string text)
    {
        var jobs = new HashSet<string>(UpOfJob().Matches(text).Select(m => m.Groups["job"].Value).Where(_jobs.ContainsKey));
        if (BareUp().IsMatch(text))
        {
            jobs.UnionWith(_jobs.Keys);
        }

        foreach (var prefix in MetricPrefix().Matches(text).Select(m => m.Groups["p"].Value))
        {
            jobs.UnionWith(prefix switch
            {
                "pg" => ["postgres"],
                "redis" => ["redis"],
                "node" => ["node"],
                "thebot" => ["thebot-backend", "thebot-frontend"],
                "prometheus" => ["prometheus"],
                "alertmanager" => ["alertmanager"],
                _ => [],
            });
        }

        jobs.IntersectWith(_jobs.Keys);
        return [.. jobs.Order(StringComparer.Ordinal)];
    }

    /// <summary>Splits an expression at its top-level <c>and</c> operators (outside parentheses, braces, brackets and strings).</summary>
    internal static IReadOnlyList<string> TopLevelAnd(string expr)
    {
        var parts = new List<string>();
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < expr.Length; i++)
        {
            var c = expr[i];
            if (c == '"' && (i == 0 || expr[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '(' or '{' or '[')
            {
                depth++;
            }
            else if (!quoted && c is ')' or '}' or ']')
            {
                depth--;
            }
            else if (!quoted && depth == 0 && string.CompareOrdinal(expr, i, "and", 0, 3) == 0
                     && (i == 0 || !IsWordChar(expr[i - 1])) && (i + 3 >= expr.Length || !IsWordChar(expr[i + 3])))
            {
                parts.Add(expr[start..i]);
                start = i + 3;
            }
        }

        parts.Add(expr[start..]);
        return parts;

        static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or ':';
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [GeneratedRegex(@"[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_:]*")]
    private static partial Regex RecordedName();

    [GeneratedRegex(@"\[(?<d>(?:\d+(?:ms|s|m|h|d|w|y))+)(?::[^\]]*)?\]")]
    private static partial Regex RangeSelector();

    [GeneratedRegex(@"(?<![\w:])up\s*\{[^}]*job\s*=\s*""(?<job>[^""]+)""")]
    private static partial Regex UpOfJob();

    [GeneratedRegex(@"(?<![\w:])up(?![\w:{])")]
    private static partial Regex BareUp();

    [GeneratedRegex(@"(?<![\w:])(?<p>pg|redis|node|thebot|prometheus|alertmanager)_")]
    private static partial Regex MetricPrefix();
}
