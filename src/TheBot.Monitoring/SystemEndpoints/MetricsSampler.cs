using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Http;

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
        // Environment.CpuUsage is one getrusage call, the same the runtime's own process.cpu.time instrument reads;
        // Process.Refresh would re-read and parse /proc/self/stat and more on every tick.
        var lastCpu = Environment.CpuUsage.TotalTime;
        var lastWall = Stopwatch.GetTimestamp();
        Sample();
        using var timer = new PeriodicTimer(options.Value.SampleInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Sample();
            var cpu = Environment.CpuUsage.TotalTime;
            var wall = Stopwatch.GetElapsedTime(lastWall);
            CpuUsage = wall > TimeSpan.Zero ? Math.Clamp((cpu - lastCpu) / wall / Environment.ProcessorCount, 0, 1) : 0;
            lastCpu = cpu;
            lastWall = Stopwatch.GetTimestamp();
        }
    }
}
