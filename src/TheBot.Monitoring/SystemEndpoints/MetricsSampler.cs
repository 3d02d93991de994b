using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>
/// Records the totals of the HTTP families every few seconds so that the JSON endpoints can answer
/// "over the last N minutes" without Prometheus: a window is the difference between now and a past sample.
/// </summary>
public sealed class MetricsSampler(HttpMetrics http, IOptions<MonitoringOptions> options) : BackgroundService
{
    private readonly Lock _lock = new();
    private readonly LinkedList<HttpTotals> _samples = new();

    /// <summary>Process CPU use over the last sample interval, 0..1 of the whole machine.</summary>
    public double CpuUsage { get; private set; }

    /// <summary>Totals now.</summary>
    public HttpTotals Current() => HttpTotals.Read(http, DateTimeOffset.UtcNow);

    /// <summary>The oldest kept sample that is not older than <paramref name="window"/>, or the oldest one; null before the first.</summary>
    public HttpTotals? Since(TimeSpan window)
    {
        var cutoff = DateTimeOffset.UtcNow - window;
        lock (_lock)
        {
            return _samples.FirstOrDefault(s => s.At >= cutoff) ?? _samples.Last?.Value;
        }
    }

    /// <summary>Takes a sample now (also what the timer does).</summary>
    public void Sample()
    {
        var sample = HttpTotals.Read(http, DateTimeOffset.UtcNow);
        var cutoff = sample.At - options.Value.SampleRetention;
        lock (_lock)
        {
            _samples.AddLast(sample);
            while (_samples.First is { } first && first.Value.At < cutoff)
            {
                _samples.RemoveFirst();
            }
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var process = Process.GetCurrentProcess();
        var lastCpu = process.TotalProcessorTime;
        var lastWall = Stopwatch.GetTimestamp();
        Sample();
        using var timer = new PeriodicTimer(options.Value.SampleInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Sample();
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var wall = Stopwatch.GetElapsedTime(lastWall);
            CpuUsage = wall > TimeSpan.Zero ? Math.Clamp((cpu - lastCpu) / wall / Environment.ProcessorCount, 0, 1) : 0;
            lastCpu = cpu;
            lastWall = Stopwatch.GetTimestamp();
        }
    }
}

/// <summary>Totals of the HTTP families at one moment, per route template.</summary>
/// <param name="At">When they were read.</param>
/// <param name="Endpoints">Per route template.</param>
public sealed record HttpTotals(DateTimeOffset At, IReadOnlyDictionary<string, EndpointTotals> Endpoints)
{
    internal static HttpTotals Read(HttpMetrics http, DateTimeOffset at)
    {
        var endpoints = new Dictionary<string, EndpointTotals>(StringComparer.Ordinal);
        foreach (var counter in http.Requests.Series)
        {
            var endpoint = counter.LabelValues[1];
            var isError = counter.LabelValues[2].StartsWith('5');
            var totals = endpoints.GetValueOrDefault(endpoint) ?? new EndpointTotals(0, 0, null);
            endpoints[endpoint] = totals with { Requests = totals.Requests + counter.Value, Errors = totals.Errors + (isError ? counter.Value : 0) };
        }

        foreach (var histogram in http.Duration.Series)
        {
            var endpoint = histogram.LabelValues[1];
            var snapshot = histogram.Snapshot();
            var totals = endpoints.GetValueOrDefault(endpoint) ?? new EndpointTotals(0, 0, null);
            var buckets = totals.CumulativeBuckets is null ? snapshot.CumulativeCounts : totals.CumulativeBuckets.Zip(snapshot.CumulativeCounts, (a, b) => a + b).ToArray();
            endpoints[endpoint] = totals with { CumulativeBuckets = buckets, UpperBounds = snapshot.UpperBounds };
        }

        return new HttpTotals(at, endpoints);
    }
}

/// <summary>Totals of one route template.</summary>
/// <param name="Requests">Requests.</param>
/// <param name="Errors">Requests answered 5xx.</param>
/// <param name="CumulativeBuckets">Latency buckets summed over methods.</param>
public sealed record EndpointTotals(long Requests, long Errors, long[]? CumulativeBuckets)
{
    /// <summary>Bounds of <see cref="CumulativeBuckets"/>.</summary>
    public IReadOnlyList<double> UpperBounds { get; init; } = [];

    /// <summary>What happened between <paramref name="earlier"/> and this.</summary>
    public EndpointTotals Minus(EndpointTotals? earlier) => earlier is null ? this : new EndpointTotals(
        Requests - earlier.Requests,
        Errors - earlier.Errors,
        CumulativeBuckets is null ? null : earlier.CumulativeBuckets is null ? CumulativeBuckets : CumulativeBuckets.Zip(earlier.CumulativeBuckets, (a, b) => a - b).ToArray())
    {
        UpperBounds = UpperBounds,
    };

    /// <summary>Latency quantile in seconds; null without requests.</summary>
    public double? Quantile(double q) => CumulativeBuckets is null ? null : HistogramMath.Quantile(q, UpperBounds, CumulativeBuckets);
}
