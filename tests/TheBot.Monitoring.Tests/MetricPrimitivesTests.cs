using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Workload;
using Xunit;

namespace TheBot.Monitoring.Tests;

public sealed class MetricPrimitivesTests
{
    private static string Write(MetricRegistry registry, bool openMetrics = false)
    {
        var writer = new ExpositionWriter(openMetrics);
        registry.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(writer.WrittenMemory.Span);
    }

    [Fact]
    public void Names_that_break_prometheus_rules_are_refused()
    {
        var registry = new MetricRegistry();
        Assert.Throws<ArgumentException>(() => registry.Counter("requests", "no _total"));
        Assert.Throws<ArgumentException>(() => registry.Gauge("bad-name", "dash"));
        Assert.Throws<ArgumentException>(() => registry.Gauge("ok", "reserved label", "le"));
        Assert.Throws<ArgumentException>(() => registry.Histogram("h_seconds", "unsorted", [1, 0.5]));
        registry.Gauge("dup", "first", "a");
        Assert.Throws<InvalidOperationException>(() => registry.Gauge("dup", "other labels", "b"));
        Assert.Throws<ArgumentException>(() => registry.Counter("x_total", "two labels", "a", "b").WithLabels("only-one"));
    }

    [Fact]
    public async Task A_nan_stored_in_a_gauge_or_a_histogram_sum_does_not_stall_the_next_update()
    {
        // The swap used to be confirmed with `!=` on doubles: once NaN was stored, NaN != NaN spun the thread forever.
        var registry = new MetricRegistry();
        var gauge = registry.Gauge("nan_gauge", "g").WithLabels();
        var histogram = registry.Histogram("nan_seconds", "h", [1]).WithLabels();
        var updates = Task.Run(() =>
        {
            gauge.Inc(double.NaN);
            gauge.Inc();
            gauge.Dec(2);
            gauge.DecToZero();
            histogram.Observe(double.PositiveInfinity);
            histogram.Observe(double.NegativeInfinity);
            histogram.Observe(0.5);
        });

        await updates.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(double.IsNaN(gauge.Value), $"gauge {gauge.Value}");
        Assert.True(double.IsNaN(histogram.Snapshot().Sum));
        Assert.Equal(3, histogram.Snapshot().Count);
        gauge.Set(4);
        gauge.Inc();
        Assert.Equal(5, gauge.Value);
    }

    [Fact]
    public void Label_values_are_escaped()
    {
        var registry = new MetricRegistry();
        registry.Counter("escaped_total", "help with \\ and\nnewline", "v").WithLabels("quote\" back\\ nl\n").Inc();
        var text = Write(registry);
        Assert.Contains("escaped_total{v=\"quote\\\" back\\\\ nl\\n\"} 1\n", text);
        Assert.Contains("# HELP escaped_total help with \\\\ and\\nnewline\n", text);
    }

    [Fact]
    public void Past_the_series_cap_new_combinations_fold_into_one_overflow_series()
    {
        var registry = new MetricRegistry(maxSeriesPerFamily: 3);
        var family = registry.Counter("capped_total", "capped", "id");
        for (var i = 0; i < 10; i++)
        {
            family.WithLabels(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }

        Assert.Equal(4, family.Series.Count);
        Assert.Equal(7, family.WithLabels(MetricFamily<Counter>.OverflowLabelValue).Value);
    }

    [Fact]
    public void Histograms_write_cumulative_buckets_sum_and_count()
    {
        var registry = new MetricRegistry();
        var histogram = registry.Histogram("latency_seconds", "latency", [0.1, 1], "route").WithLabels("/a");
        histogram.Observe(0.05);
        histogram.Observe(0.1);
        histogram.Observe(0.5);
        histogram.Observe(7);
        var text = Write(registry);
        Assert.Contains("latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n", text);
        Assert.Contains("latency_seconds_bucket{route=\"/a\",le=\"1\"} 3\n", text);
        Assert.Contains("latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n", text);
        Assert.Contains("latency_seconds_sum{route=\"/a\"} 7.65\n", text);
        Assert.Contains("latency_seconds_count{route=\"/a\"} 4\n", text);
        Assert.Equal(0.1, histogram.Snapshot().Quantile(0.5)!.Value, 6);
    }

    [Fact]
    public void The_websocket_gauge_never_goes_below_zero_nor_leaks()
    {
        var registry = new MetricRegistry();
        var platform = new WorkloadMetrics(registry);
        var leases = Enumerable.Range(0, 1000).Select(_ => platform.TrackWebSocket("chat")).ToList();
        Parallel.ForEach(leases, lease =>
        {
            lease.Dispose();
            lease.Dispose(); // a second dispose (e.g. finally after an abort handler) must not count twice
        });

        Assert.Equal(0, platform.OpenWebSockets("chat"));
        Assert.Equal(0, platform.OpenWebSockets());
    }
}
