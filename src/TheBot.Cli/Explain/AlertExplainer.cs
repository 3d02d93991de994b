using System.Globalization;
using System.Text.Json;
using TheBot.Cli.Clients;

namespace TheBot.Cli.Explain;

/// <summary>
/// Builds an <see cref="AlertExplanation"/> from Prometheus' HTTP API and the services' log files alone: the rule
/// (firing, pending or inactive), its value, the series behind its condition, the histogram its expression reads
/// (through recording rules), the slowest exemplars of that histogram over the alert's window, and each exemplar's
/// log lines by trace id.
/// </summary>
internal sealed class AlertExplainer(PrometheusClient prometheus, string logFolder)
{
    /// <summary>Series shown per list.</summary>
    public const int TopSeries = 10;

    /// <summary>Exemplars followed to the logs.</summary>
    public const int TopExemplars = 10;

    /// <summary>Log lines shown per exemplar.</summary>
    public const int LinesPerTrace = 20;

    private static readonly TimeSpan DefaultRange = TimeSpan.FromMinutes(5);

    /// <summary>The explanation, or null when no alerting rule has that name (<paramref name="known"/> lists them).</summary>
    public async Task<(AlertExplanation? Explanation, IReadOnlyList<string> Known)> ExplainAsync(string alert, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rules = (await prometheus.GetAsync("/api/v1/rules", cancellationToken)).GetProperty("data").GetProperty("groups")
            .EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
        var alerting = rules.Where(r => r.GetProperty("type").GetString() == "alerting").ToList();
        var recording = rules.Where(r => r.GetProperty("type").GetString() == "recording")
            .GroupBy(r => r.GetProperty("name").GetString()!).ToDictionary(g => g.Key, g => g.First().GetProperty("query").GetString()!);
        var rule = alerting.FirstOrDefault(r => r.GetProperty("name").GetString() == alert);
        if (rule.ValueKind == JsonValueKind.Undefined)
        {
            return (null, [.. alerting.Select(r => r.GetProperty("name").GetString()!).Distinct().Order(StringComparer.Ordinal)]);
        }

        var expr = rule.GetProperty("query").GetString()!;
        var forDuration = TimeSpan.FromSeconds(rule.TryGetProperty("duration", out var d) ? d.GetDouble() : 0);
        var active = rule.TryGetProperty("alerts", out var alerts)
            ? alerts.EnumerateArray().Select(a => new ActiveAlert(
                a.GetProperty("state").GetString()!,
                a.TryGetProperty("activeAt", out var at) && DateTimeOffset.TryParse(at.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since) ? since : null,
                a.TryGetProperty("value", out var v) ? ParseNumber(v.GetString()) : null,
                Labels(a.GetProperty("labels")))).ToList()
            : [];

        var conditions = new List<ConditionBranch>();
        foreach (var (branchVector, branchOperator, branchThreshold) in PromQlParts.Conditions(expr))
        {
            conditions.Add(new ConditionBranch(branchVector, branchOperator, branchThreshold, await TopAsync(branchVector, now, cancellationToken)));
        }

        // The exemplars are held to the first branch's threshold (the latency alerts have one branch).
        var (op, threshold) = (conditions[0].Operator, conditions[0].Threshold);

        // The raw histogram behind the condition, found through recording rules when it reads one.
        var expanded = Expand(expr, recording);
        var histogram = PromQlParts.Names(expanded).FirstOrDefault(n => n.EndsWith("_bucket", StringComparison.Ordinal) && !n.Contains(':', StringComparison.Ordinal));
        var range = PromQlParts.WidestRange(expanded) ?? DefaultRange;
        var window = range + forDuration;
        var job = PromQlParts.Job(expr);
        // Both kinds of the family: a Prometheus run with native histograms (up --native-histograms) stores no
        // _bucket series and files the exemplars under the family's own name (docs/metrics.md "Native histograms").
        // The matchers the rules put on the raw histogram (the latency rules leave /api/system/* out), so exemplars of
        // probes and scrapes, slow on a busy machine, are not offered as the requests behind a user-latency alert.
        var matcher = histogram is null ? string.Empty : Matchers(expanded, histogram, job);
        var classic = histogram is null ? null : histogram + matcher;
        var native = histogram is null ? null : histogram[..^"_bucket".Length] + matcher;
        var selector = histogram is null ? null : $"{classic} or {native}";

        IReadOnlyList<SeriesValue> histogramDrivers = [];
        var exemplars = new List<TracedExemplar>();
        var inWindow = 0;
        if (selector is not null)
        {
            // Which label sets are slowest: p95 per series of the histogram (all labels but instance), top first.
            histogramDrivers = await TopAsync($"histogram_quantile(0.95, sum without (instance) (rate({classic}[{Format(range)}])))"
                + $" or histogram_quantile(0.95, sum without (instance) (rate({native}[{Format(range)}])))", now, cancellationToken);
            var found = await ExemplarsAsync(selector, now - window, now, cancellationToken);
            inWindow = found.Count;
            // The slow buckets' exemplars: over the threshold of an "above" condition when there are any (a latency
            // alert's threshold is in the histogram's unit), else simply the slowest of the window.
            var over = threshold is { } limit && op is ">" or ">=" ? found.Where(e => e.Value >= limit).ToList() : [];
            var slowest = (over.Count > 0 ? over : found).OrderByDescending(e => e.Value).Take(TopExemplars).ToList();
            var files = TraceLogSearch.Files(logFolder);
            var logs = TraceLogSearch.Find(files, slowest.Select(e => e.TraceId).ToHashSet(StringComparer.Ordinal), LinesPerTrace);
            exemplars.AddRange(slowest.OrderByDescending(e => e.Timestamp).Select(e => e with
            {
                OverThreshold = threshold is { } t && op is ">" or ">=" && e.Value >= t,
                Logs = logs[e.TraceId],
            }));
        }

        var state = active.Any(a => a.State == "firing") ? "firing" : active.Count > 0 ? "pending" : "inactive";
        return (new AlertExplanation(alert, state, expr, forDuration, Labels(rule.GetProperty("labels")), conditions, active,
            selector, window, histogramDrivers, inWindow, exemplars, TraceLogSearch.Files(logFolder)), []);
    }

    /// <summary>
    /// <c>{…}</c> for <paramref name="histogram"/>: the label matchers its first selector in <paramref name="expanded"/>
    /// carries, plus <c>job="…"</c> when the alert names a job the selector does not; empty when there are none.
    /// </summary>
    internal static string Matchers(string expanded, string histogram, string? job)
    {
        var matchers = PromQlParts.Matchers(expanded, histogram).ToList();
        if (job is not null && !matchers.Any(m => m.StartsWith("job=", StringComparison.Ordinal) || m.StartsWith("job =", StringComparison.Ordinal)))
        {
            matchers.Insert(0, $"job=\"{job}\"");
        }

        return matchers.Count == 0 ? string.Empty : "{" + string.Join(",", matchers) + "}";
    }

    /// <summary>Replaces recording-rule names by their expressions (a few levels deep), to find the raw series.</summary>
    internal static string Expand(string expr, IReadOnlyDictionary<string, string> recording)
    {
        var text = expr;
        for (var level = 0; level < 4; level++)
        {
            var names = PromQlParts.Names(text).Where(recording.ContainsKey).ToList();
            if (names.Count == 0)
            {
                break;
            }

            text += " " + string.Join(" ", names.Select(n => $"({recording[n]})"));
            recording = recording.Where(r => !names.Contains(r.Key)).ToDictionary();
        }

        return text;
    }

    private async Task<IReadOnlyList<SeriesValue>> TopAsync(string vector, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var body = await prometheus.GetAsync($"/api/v1/query?query={Uri.EscapeDataString($"topk({TopSeries}, {vector})")}&time={Unix(now)}", cancellationToken);
        var result = body.GetProperty("data").GetProperty("result");
        return result.ValueKind != JsonValueKind.Array ? [] :
            [.. result.EnumerateArray()
                .Select(s => new SeriesValue(Labels(s.GetProperty("metric")), ParseNumber(s.GetProperty("value")[1].GetString()) ?? double.NaN))
                .OrderByDescending(s => s.Value)];
    }

    private async Task<List<TracedExemplar>> ExemplarsAsync(string selector, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var body = await prometheus.GetAsync($"/api/v1/query_exemplars?query={Uri.EscapeDataString(selector)}&start={Unix(start)}&end={Unix(end)}", cancellationToken);
        var list = new List<TracedExemplar>();
        foreach (var series in body.GetProperty("data").EnumerateArray())
        {
            var seriesLabels = Labels(series.GetProperty("seriesLabels"));
            foreach (var exemplar in series.GetProperty("exemplars").EnumerateArray())
            {
                var labels = Labels(exemplar.GetProperty("labels"));
                if (!labels.TryGetValue("trace_id", out var traceId))
                {
                    continue;
                }

                list.Add(new TracedExemplar(traceId, labels.GetValueOrDefault("span_id"), ParseNumber(exemplar.GetProperty("value").GetString()) ?? double.NaN,
                    DateTimeOffset.FromUnixTimeMilliseconds((long)(exemplar.GetProperty("timestamp").GetDouble() * 1000)), seriesLabels, false, []));
            }
        }

        return list;
    }

    private static Dictionary<string, string> Labels(JsonElement labels) =>
        labels.ValueKind == JsonValueKind.Object ? labels.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "") : [];

    private static double? ParseNumber(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string Unix(DateTimeOffset at) => (at.ToUnixTimeMilliseconds() / 1000.0).ToString("F3", CultureInfo.InvariantCulture);

    private static string Format(TimeSpan range) => range.TotalSeconds % 60 == 0 ? $"{(int)range.TotalMinutes}m" : $"{(int)range.TotalSeconds}s";
}
