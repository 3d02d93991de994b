using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TheBot.Cli.Clients;

namespace TheBot.Cli.Diagnostics;

/// <summary>
/// The doctor's checks for the seed's "High Memory Usage" and "Slow Queries in Prometheus" troubleshooting entries,
/// read from Prometheus' own HTTP API.
/// </summary>
internal static class PrometheusDiagnostics
{
    /// <summary>Head series above which one Prometheus on a shared machine needs its cardinality looked at.</summary>
    public const long MaxHeadSeries = 1_000_000;

    /// <summary>Resident memory above which Prometheus is too big for a machine that also runs the platform.</summary>
    public const long MaxResidentBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Share of its interval a rule group may spend evaluating before it risks missing iterations.</summary>
    public const double MaxEvaluationShare = 0.5;

    /// <summary>How long a trivial instant query may take.</summary>
    public static readonly TimeSpan MaxQueryLatency = TimeSpan.FromSeconds(2);

    /// <summary>What the memory check's ✗ line tells the operator to do.</summary>
    public const string MemoryFix =
        "lower --storage.tsdb.retention.time/size, raise scrape_interval, or drop unneeded series with metric_relabel_configs " +
        "(the biggest metrics: /api/v1/status/tsdb, seriesCountByMetricName)";

    /// <summary>What the slow-query check's ✗ line tells the operator to do.</summary>
    public const string SlowQueryFix =
        "precompute the slow group's expressions as recording rules, raise that group's interval, or simplify its PromQL; " +
        "a slow trivial query means Prometheus lacks CPU or memory (see the memory check)";

    /// <summary>Head series and resident memory under their limits, and a retention flag set so the TSDB cannot grow without bound.</summary>
    public static async Task<(bool Ok, string Detail)> MemoryAsync(PrometheusClient prometheus, CancellationToken cancellationToken)
    {
        var series = (await prometheus.GetAsync("/api/v1/status/tsdb", cancellationToken)).GetProperty("data").GetProperty("headStats").GetProperty("numSeries").GetInt64();
        var rssResult = await prometheus.QueryAsync("process_resident_memory_bytes{job=\"prometheus\"}", cancellationToken);
        double? rss = rssResult.GetArrayLength() == 0 ? null : double.Parse(rssResult[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        var flags = (await prometheus.GetAsync("/api/v1/status/flags", cancellationToken)).GetProperty("data");
        var time = Flag(flags, "storage.tsdb.retention.time");
        var size = Flag(flags, "storage.tsdb.retention.size");

        var problems = new List<string>();
        if (series > MaxHeadSeries)
        {
            problems.Add($"{series} head series (limit {MaxHeadSeries})");
        }

        if (rss is null)
        {
            problems.Add("process_resident_memory_bytes{job=\"prometheus\"} has no sample (is Prometheus scraping itself?)");
        }
        else if (rss > MaxResidentBytes)
        {
            problems.Add($"resident memory {rss / (1 << 20):F0} MiB (limit {MaxResidentBytes >> 20} MiB)");
        }

        if (time is null or "0s" && size is null or "0B")
        {
            problems.Add("neither --storage.tsdb.retention.time nor --storage.tsdb.retention.size is set");
        }

        var retention = $"retention {time ?? "unset"}" + (size is null or "0B" ? "" : $", {size}");
        return problems.Count == 0
            ? (true, $"{series} head series, resident {rss / (1 << 20):F0} MiB, {retention}")
            : (false, string.Join("; ", problems));
    }

    /// <summary>Every rule group evaluates well within its interval, and a trivial query answers fast.</summary>
    public static async Task<(bool Ok, string Detail)> SlowQueriesAsync(PrometheusClient prometheus, CancellationToken cancellationToken, TimeSpan? maxQueryLatency = null)
    {
        var limit = maxQueryLatency ?? MaxQueryLatency;
        var groups = (await prometheus.GetAsync("/api/v1/rules", cancellationToken)).GetProperty("data").GetProperty("groups").EnumerateArray()
            .Select(g => (Name: g.GetProperty("name").GetString()!, File: g.GetProperty("file").GetString()!,
                Interval: g.GetProperty("interval").GetDouble(), Took: g.GetProperty("evaluationTime").GetDouble()))
            .ToList();
        var slow = groups.Where(g => g.Took > g.Interval * MaxEvaluationShare)
            .Select(g => FormattableString.Invariant($"group {g.Name} ({Path.GetFileName(g.File)}) took {g.Took:F2} s of its {g.Interval:F0} s interval"))
            .ToList();

        var watch = Stopwatch.StartNew();
        await prometheus.QueryAsync("up", cancellationToken);
        var latency = watch.Elapsed;
        if (latency > limit)
        {
            slow.Add(FormattableString.Invariant($"the query 'up' took {latency.TotalMilliseconds:F0} ms (limit {limit.TotalMilliseconds:F0} ms)"));
        }

        if (slow.Count > 0)
        {
            return (false, string.Join("; ", slow));
        }

        var answered = FormattableString.Invariant($"'up' answered in {latency.TotalMilliseconds:F0} ms");
        var slowest = groups.OrderByDescending(g => g.Took / g.Interval).FirstOrDefault();
        return (true, groups.Count == 0 ? "no rule groups; " + answered
            : FormattableString.Invariant($"{groups.Count} rule groups, slowest {slowest.Name} {slowest.Took * 1000:F1} ms of {slowest.Interval:F0} s; {answered}"));
    }

    private static string? Flag(JsonElement flags, string name) =>
        flags.TryGetProperty(name, out var value) && value.GetString() is { Length: > 0 } text ? text : null;
}
