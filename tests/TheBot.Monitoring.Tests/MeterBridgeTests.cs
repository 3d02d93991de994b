using System.Diagnostics.Metrics;
using TheBot.Monitoring.Metrics;
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
        Assert.Equal(("app_jobs_total", MetricType.Counter), (counter, counterType));
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
        Assert.Equal(("dotnet_thread_pool_work_item_total", MetricType.Counter), (workItems, workItemsType));
    }
}
