using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Benchmarks;

/// <summary>
/// What an exemplar adds to one histogram observation: the same <c>ObserveTicks</c> on a histogram without
/// exemplars, on one with exemplars before any OpenMetrics scrape (switch off), with the switch on but no Activity,
/// and with the switch on under a started W3C Activity (the request path of a scraped backend).
/// </summary>
[MemoryDiagnoser]
public class ExemplarBenchmarks
{
    private Histogram _plain = null!;
    private Histogram _switchedOff = null!;
    private Histogram _switchedOn = null!;
    private Activity _activity = null!;
    private long _elapsed;

    [GlobalSetup]
    public void Setup()
    {
        string[] labels = ["method", "endpoint"];
        double[] buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
        _plain = new MetricRegistry().Histogram("plain_seconds", "h", buckets, labels).WithLabels("GET", "/api/assignments/{id}");
        _switchedOff = new MetricRegistry().HistogramWithExemplars("off_seconds", "h", buckets, labels).WithLabels("GET", "/api/assignments/{id}");
        var on = new MetricRegistry { ExemplarsWanted = true };
        _switchedOn = on.HistogramWithExemplars("on_seconds", "h", buckets, labels).WithLabels("GET", "/api/assignments/{id}");
        _elapsed = Stopwatch.Frequency / 1000 * 3; // 3 ms: lands in the 4th bucket
    }

    /// <summary>
    /// The Activity is made current once, here: setting Activity.Current (an AsyncLocal) allocates a new execution
    /// context, a cost the server pays once per request whether or not metrics exist, so it stays out of the loop.
    /// </summary>
    [GlobalSetup(Target = nameof(Exemplars_On_UnderActivity))]
    public void SetupUnderActivity()
    {
        Setup();
        _activity = new Activity("bench");
        _activity.SetIdFormat(ActivityIdFormat.W3C);
        _activity.Start();
    }

    [GlobalCleanup(Target = nameof(Exemplars_On_UnderActivity))]
    public void CleanupUnderActivity()
    {
        _activity.Stop();
        Activity.Current = null;
    }

    [Benchmark(Baseline = true)]
    public void Plain() => _plain.ObserveTicks(_elapsed);

    [Benchmark]
    public void Exemplars_SwitchedOff() => _switchedOff.ObserveTicks(_elapsed);

    [Benchmark]
    public void Exemplars_On_NoActivity() => _switchedOn.ObserveTicks(_elapsed);

    [Benchmark]
    public void Exemplars_On_UnderActivity() => _switchedOn.ObserveTicks(_elapsed);
}
