using System.Diagnostics.Metrics;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>How .NET instruments map onto Prometheus types: whatever can go down is a gauge, never a counter.</summary>
public sealed class MeterBridgeTests
{
    [Fact]
    public void Up_down_counters_are_gauges_and_counters_are_counters()
    {
        using var meter = new Meter("TheBot.Tests.Bridge." + Guid.NewGuid().ToString("N"));

        var upDown = MeterBridge.PrometheusName(meter.CreateUpDownCounter<long>("app.sessions.active"), out var upDownType, out _);
        var observableUpDown = MeterBridge.PrometheusName(meter.CreateObservableUpDownCounter("app.queue.length", () => 3L), out var observableUpDownType, out _);
        var counter = MeterBridge.PrometheusName(meter.CreateObservableCounter("app.jobs.count", () => 3L), out var counterType, out _);

        Assert.Equal(("app_sessions_active", MetricType.Gauge), (upDown, upDownType));
        Assert.Equal(("app_queue_length", MetricType.Gauge), (observableUpDown, observableUpDownType));
        Assert.Equal(("app_jobs_count_total", MetricType.Counter), (counter, counterType));
    }

    [Fact]
    public void The_runtime_thread_pool_counts_that_go_down_are_exposed_as_gauges()
    {
        // The runtime declares these two as observable counters; a name-alike meter stands in for System.Runtime.
        // Its own scope keeps the bridges of apps running in parallel tests from picking it up.
        using var meter = new Meter(new MeterOptions("System.Runtime") { Scope = new object() });

        var threads = MeterBridge.PrometheusName(meter.CreateObservableCounter("dotnet.thread_pool.thread.count", () => 4L), out var threadsType, out _);
        var queue = MeterBridge.PrometheusName(meter.CreateObservableCounter("dotnet.thread_pool.queue.length", () => 0L), out var queueType, out _);
        var workItems = MeterBridge.PrometheusName(meter.CreateObservableCounter("dotnet.thread_pool.work_item.count", () => 9L), out var workItemsType, out _);

        Assert.Equal(("dotnet_thread_pool_thread_current", MetricType.Gauge), (threads, threadsType));
        Assert.Equal(("dotnet_thread_pool_queue_length", MetricType.Gauge), (queue, queueType));
        Assert.Equal(("dotnet_thread_pool_work_item_count_total", MetricType.Counter), (workItems, workItemsType));
    }

    [Theory]
    [InlineData("counter", "kestrel.connection.duration", "s", "kestrel_connection_duration_seconds_total")]
    [InlineData("histogram", "kestrel.connection.duration", "s", "kestrel_connection_duration_seconds")]
    [InlineData("counter", "dotnet.gc.heap.total_allocated", "By", "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("counter", "dotnet.gc.collections", "{collection}", "dotnet_gc_collections_total")]
    [InlineData("counter", "app.requests.total", "{request}", "app_requests_total")]
    [InlineData("counter", "app..odd--name", null, "app_odd_name_total")]
    [InlineData("gauge", "app.cpu.utilization", "1", "app_cpu_utilization_ratio")]
    [InlineData("counter", "app.items", "1", "app_items_total")]
    [InlineData("gauge", "app.network.rate", "By/s", "app_network_rate_bytes_per_second")]
    [InlineData("gauge", "app.packets.rate", "{packet}/s", "app_packets_rate_per_second")]
    [InlineData("gauge", "app.temperature", "Cel", "app_temperature_celsius")]
    [InlineData("gauge", "app.queue.duration_seconds", "s", "app_queue_duration_seconds")]
    [InlineData("gauge", "app.pool.count", "{connection}", "app_pool_current")]
    public void Names_follow_the_OpenTelemetry_conversion_to_Prometheus(string kind, string name, string? unit, string expected)
    {
        using var meter = new Meter(new MeterOptions("TheBot.Tests.Naming") { Scope = new object() });
        Instrument instrument = kind switch
        {
            "counter" => meter.CreateCounter<long>(name, unit),
            "histogram" => meter.CreateHistogram<double>(name, unit),
            _ => meter.CreateObservableGauge(name, () => 1.0, unit),
        };

        Assert.Equal(expected, MeterBridge.PrometheusName(instrument, out _, out var scale));
        Assert.Equal(1.0, scale);
    }

    [Fact]
    public void Non_base_units_are_scaled_to_seconds_and_bytes()
    {
        using var meter = new Meter(new MeterOptions("TheBot.Tests.Naming") { Scope = new object() });

        Assert.Equal("app_latency_seconds", MeterBridge.PrometheusName(meter.CreateHistogram<double>("app.latency", "ms"), out _, out var ms));
        Assert.Equal("app_buffer_bytes", MeterBridge.PrometheusName(meter.CreateObservableGauge("app.buffer", () => 1.0, "KiBy"), out _, out var kib));
        Assert.Equal((0.001, 1024.0), (ms, kib));
    }

    [Fact]
    public void Each_instrument_holds_at_most_the_cap_and_folds_the_rest_into_one_overflow_series()
    {
        var scope = new object();
        using var meter = new Meter(new MeterOptions("TheBot.Tests.Cap") { Scope = scope });
        using var bridge = new MeterBridge(i => ReferenceEquals(i.Meter.Scope, scope), scope, maxSeriesPerInstrument: 10);
        var counter = meter.CreateCounter<long>("app.orders", "{order}");
        for (var i = 0; i < 50; i++)
        {
            counter.Add(2, new KeyValuePair<string, object?>("customer", "c" + i));
        }

        var text = Write(bridge);
        Assert.Equal(11, bridge.SeriesCount("app_orders_total")); // 10 kept + the overflow series
        Assert.Equal(2, Exposition.Value(text, "app_orders_total", ("customer", "c9")));
        Assert.Null(Exposition.Value(text, "app_orders_total", ("customer", "c10")));
        Assert.Equal(80, Exposition.Value(text, "app_orders_total", ("otel_metric_overflow", "true")));
        Assert.Equal(100, bridge.Sum("app_orders_total"));
    }

    [Fact]
    public void A_series_is_found_whatever_the_tag_order_and_value_type_and_recording_it_allocates_nothing()
    {
        var scope = new object();
        using var meter = new Meter(new MeterOptions("TheBot.Tests.Lookup") { Scope = scope });
        using var bridge = new MeterBridge(i => ReferenceEquals(i.Meter.Scope, scope), scope);
        var counter = meter.CreateCounter<long>("app.responses", "{response}");
        var method = new KeyValuePair<string, object?>("method", "GET");
        var status = new KeyValuePair<string, object?>("status", 200);
        counter.Add(1, method, status);
        counter.Add(1, new KeyValuePair<string, object?>("status", "200"), method);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            counter.Add(1, method, status);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1, bridge.SeriesCount("app_responses_total"));
        Assert.Equal(1_002, Exposition.Value(Write(bridge), "app_responses_total", ("method", "GET"), ("status", "200")));
    }

    [Fact]
    public void A_synchronous_gauge_exports_its_last_reading_and_an_up_down_counter_the_sum_of_its_changes()
    {
        var scope = new object();
        using var meter = new Meter(new MeterOptions("TheBot.Tests.SyncGauge") { Scope = scope });
        using var bridge = new MeterBridge(i => ReferenceEquals(i.Meter.Scope, scope), scope);
        var buffer = meter.CreateGauge<double>("app.buffer.size", "By");
        var workers = meter.CreateGauge<int>("app.workers");
        var sessions = meter.CreateUpDownCounter<long>("app.sessions.active");
        var pool = new KeyValuePair<string, object?>("pool", "main");
        foreach (var reading in (double[])[5, 7, 7])
        {
            buffer.Record(reading, pool); // once added up: 19
        }

        workers.Record(4);
        workers.Record(2);
        sessions.Add(5);
        sessions.Add(7);
        sessions.Add(-2);

        var text = Write(bridge);
        Assert.Contains("# TYPE app_buffer_size_bytes gauge\n", text, StringComparison.Ordinal);
        Assert.Equal(7, Exposition.Value(text, "app_buffer_size_bytes", ("pool", "main")));
        Assert.Equal(2, Exposition.Value(text, "app_workers"));
        Assert.Equal(10, Exposition.Value(text, "app_sessions_active"));
    }

    [Fact]
    public void The_library_meter_is_never_bridged_back_into_the_exposition()
    {
        var scope = new object();
        using var ours = new Meter(new MeterOptions("TheBot.Monitoring") { Scope = scope });
        using var theirs = new Meter(new MeterOptions("TheBot.Tests.Other") { Scope = scope });
        using var bridge = new MeterBridge(i => ReferenceEquals(i.Meter.Scope, scope), scope);
        ours.CreateCounter<long>("thebot.http.server.requests").Add(1);
        theirs.CreateCounter<long>("app.things").Add(1);

        Assert.Equal(["app_things_total"], bridge.FamilyNames);
    }

    private static string Write(MeterBridge bridge)
    {
        var writer = new ExpositionWriter();
        bridge.Write(writer);
        return System.Text.Encoding.UTF8.GetString(writer.WrittenMemory.Span);
    }
}
