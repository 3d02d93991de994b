using System.Diagnostics;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Workload;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>Builds the JSON bodies of <c>/metrics/</c> (system snapshot) and <c>/analytics/</c>.</summary>
internal sealed class SystemSnapshot(
    MetricsSampler sampler,
    HttpMetrics http,
    CacheMetrics cache,
    WorkloadMetrics workload,
    ApplicationFamilies application,
    MetricRegistry registry,
    IServiceProvider services,
    IOptions<MonitoringOptions> options,
    ServiceIdentity identity)
{
    private static readonly DateTimeOffset ProcessStarted = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public Dictionary<string, object?> System(TimeSpan window)
    {
        var gc = GC.GetGCMemoryInfo();
        var drive = new DriveInfo(options.Value.Health.DiskPath);
        var (since, now) = (sampler.Since(window), sampler.Current());
        var seconds = since is null ? 0 : Math.Max((now.At - since.At).TotalSeconds, 0.001);
        var all = Aggregate(now, since);
        var bridge = services.GetService(typeof(MeterBridge)) as MeterBridge;

        return new()
        {
            ["service"] = identity.Name,
            ["version"] = identity.Version,
            ["uptime_seconds"] = Math.Round((DateTimeOffset.UtcNow - ProcessStarted).TotalSeconds, 1),
            ["cpu"] = new Dictionary<string, object?>
            {
                ["process_usage_ratio"] = Math.Round(sampler.CpuUsage, 4),
                ["processor_count"] = Environment.ProcessorCount,
            },
            ["memory"] = new Dictionary<string, object?>
            {
                ["working_set_bytes"] = Environment.WorkingSet,
                ["gc_heap_bytes"] = GC.GetTotalMemory(false),
                ["memory_load_bytes"] = gc.MemoryLoadBytes,
                ["total_available_bytes"] = gc.TotalAvailableMemoryBytes,
            },
            ["gc"] = new Dictionary<string, object?>
            {
                ["gen0_collections"] = GC.CollectionCount(0),
                ["gen1_collections"] = GC.CollectionCount(1),
                ["gen2_collections"] = GC.CollectionCount(2),
                ["pause_time_seconds"] = Math.Round(GC.GetTotalPauseDuration().TotalSeconds, 4),
            },
            ["thread_pool"] = new Dictionary<string, object?>
            {
                ["threads"] = ThreadPool.ThreadCount,
                ["queued_work_items"] = ThreadPool.PendingWorkItemCount,
                ["completed_work_items"] = ThreadPool.CompletedWorkItemCount,
            },
            ["disk"] = new Dictionary<string, object?>
            {
                ["path"] = options.Value.Health.DiskPath,
                ["free_bytes"] = drive.AvailableFreeSpace,
                ["total_bytes"] = drive.TotalSize,
            },
            ["http"] = new Dictionary<string, object?>
            {
                ["window_seconds"] = Math.Round(seconds, 1),
                ["requests_per_second"] = seconds == 0 ? 0 : Math.Round(all.Requests / seconds, 3),
                ["error_rate"] = all.Requests == 0 ? 0 : Math.Round((double)all.Errors / all.Requests, 4),
                ["p95_latency_seconds"] = all.Quantile(0.95),
                ["in_flight"] = http.InFlight.Value,
            },
            ["database_pool"] = bridge is null ? null : new Dictionary<string, object?>
            {
                ["connections"] = bridge.Sum("db_client_connection_current"),
                ["max_connections"] = bridge.Sum("db_client_connection_max"),
                ["pending_requests"] = bridge.Sum("db_client_connection_pending_requests"),
            },
            ["cache"] = cache.Hits.Series.ToDictionary(
                hits => hits.LabelValues[0],
                hits =>
                {
                    var misses = cache.Misses.WithLabels(hits.LabelValues[0]).Value;
                    var total = hits.Value + misses;
                    return new Dictionary<string, object?> { ["hits"] = hits.Value, ["misses"] = misses, ["hit_ratio"] = total == 0 ? null : Math.Round((double)hits.Value / total, 4) };
                }),
            ["websocket_connections"] = workload.OpenWebSockets(),
        };
    }

    public Dictionary<string, object?> Analytics(TimeSpan window)
    {
        var (since, now) = (sampler.Since(window), sampler.Current());
        var seconds = since is null ? 0 : Math.Max((now.At - since.At).TotalSeconds, 0.001);
        var rows = now.Endpoints
            .Select(pair => (Endpoint: pair.Key, Delta: pair.Value.Minus(since?.Endpoints.GetValueOrDefault(pair.Key))))
            .Where(row => row.Delta.Requests > 0)
            .Select(row => new Dictionary<string, object?>
            {
                ["endpoint"] = row.Endpoint,
                ["requests"] = row.Delta.Requests,
                ["requests_per_second"] = seconds == 0 ? 0 : Math.Round(row.Delta.Requests / seconds, 3),
                ["errors"] = row.Delta.Errors,
                ["error_rate"] = Math.Round((double)row.Delta.Errors / row.Delta.Requests, 4),
                ["latency_seconds"] = new Dictionary<string, object?>
                {
                    ["p50"] = row.Delta.Quantile(0.50),
                    ["p95"] = row.Delta.Quantile(0.95),
                    ["p99"] = row.Delta.Quantile(0.99),
                },
            })
            .OrderByDescending(row => (long)row["requests"]!)
            .ToList();

        return new()
        {
            ["service"] = identity.Name,
            ["window_seconds"] = Math.Round(seconds, 1),
            ["endpoints"] = rows,
            ["slowest_endpoints"] = rows
                .OrderByDescending(row => ((Dictionary<string, object?>)row["latency_seconds"]!)["p95"] as double? ?? 0)
                .Take(5)
                .Select(row => new Dictionary<string, object?> { ["endpoint"] = row["endpoint"], ["p95_seconds"] = ((Dictionary<string, object?>)row["latency_seconds"]!)["p95"] })
                .ToList(),
            ["business_since_start"] = Business(),
        };
    }

    /// <summary>
    /// The totals of the application's own counters (<c>AddTheBotMetrics&lt;T&gt;()</c>), keyed by family name without
    /// <c>thebot_</c> and <c>_total</c> (<c>thebot_messages_sent_total</c> → <c>messages_sent</c>), and the library's
    /// background task runs and open WebSockets.
    /// </summary>
    private Dictionary<string, object?> Business()
    {
        static Dictionary<string, long> Totals(MetricFamily<Counter>? family)
        {
            var totals = new Dictionary<string, long>();
            foreach (var series in family?.Series ?? [])
            {
                // Label values are joined with '/', so a '/' (and the '%' that escapes it) inside a value is escaped:
                // ("image/png", "ok") and ("image", "png/ok") once made the same key and ToDictionary a 500. Adding
                // rather than assigning keeps the answer whole should two series ever meet on one key.
                var key = string.Join('/', series.LabelValues.Select(EscapeLabelValue));
                totals[key] = totals.GetValueOrDefault(key) + series.Value;
            }

            return totals;
        }

        var business = new Dictionary<string, object?>();
        foreach (var family in application.Families.OfType<MetricFamily<Counter>>())
        {
            var key = family.Name.StartsWith("thebot_", StringComparison.Ordinal) ? family.Name["thebot_".Length..] : family.Name;
            business[key.EndsWith("_total", StringComparison.Ordinal) ? key[..^"_total".Length] : key] = Totals(family);
        }

        business["background_tasks"] = Totals(registry.Families.OfType<MetricFamily<Counter>>().FirstOrDefault(f => f.Name == "thebot_background_tasks_total"));
        business["websocket_connections"] = workload.OpenWebSockets();
        return business;
    }

    /// <summary>A label value as one segment of a <c>business_since_start</c> key: <c>%</c> → <c>%25</c>, <c>/</c> → <c>%2F</c>.</summary>
    private static string EscapeLabelValue(string value) =>
        value.AsSpan().IndexOfAny('/', '%') < 0 ? value : value.Replace("%", "%25", StringComparison.Ordinal).Replace("/", "%2F", StringComparison.Ordinal);

    private static EndpointTotals Aggregate(HttpTotals now, HttpTotals? since)
    {
        EndpointTotals? sum = null;
        foreach (var (endpoint, totals) in now.Endpoints)
        {
            var delta = totals.Minus(since?.Endpoints.GetValueOrDefault(endpoint));
            sum = sum is null ? delta : new EndpointTotals(
                sum.Requests + delta.Requests,
                sum.Errors + delta.Errors,
                sum.CumulativeBuckets is null ? delta.CumulativeBuckets
                : delta.CumulativeBuckets is null ? sum.CumulativeBuckets
                : sum.CumulativeBuckets.Zip(delta.CumulativeBuckets, (a, b) => a + b).ToArray())
            {
                UpperBounds = delta.UpperBounds.Count > 0 ? delta.UpperBounds : sum.UpperBounds,
            };
        }

        return sum ?? new EndpointTotals(0, 0, null);
    }
}
