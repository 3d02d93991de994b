using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Benchmarks;

/// <summary>
/// The pieces of <see cref="HttpMetricsMiddleware"/>'s per-request work, one by one, so that a miss of the
/// hot-path budget can be attributed to a step rather than guessed.
/// </summary>
[MemoryDiagnoser]
public class HotPathBreakdownBenchmarks
{
    private DefaultHttpContext _context = null!;
    private EndpointSeriesCache _cache = null!;
    private HttpMetrics _metrics = null!;
    private Histogram _histogram = null!;
    private Counter _counter = null!;
    private long _elapsed;

    [GlobalSetup]
    public void Setup()
    {
        var endpoint = new RouteEndpoint(static _ => Task.CompletedTask, RoutePatternFactory.Parse("/api/assignments/{id}"), 0, EndpointMetadataCollection.Empty, "x");
        _context = new DefaultHttpContext();
        _context.Request.Method = HttpMethods.Get;
        _context.Response.StatusCode = 200;
        _context.SetEndpoint(endpoint);
        _metrics = new HttpMetrics(new MetricRegistry());
        _cache = new EndpointSeriesCache(_metrics);
        var series = _cache.For(endpoint);
        _histogram = series.Duration(0);
        _counter = series.Requests(0, 200);
        _elapsed = Stopwatch.Frequency / 1000 * 3; // 3 ms: lands in the 4th bucket
    }

    [Benchmark]
    public long TwoTimestamps() => Stopwatch.GetTimestamp() - Stopwatch.GetTimestamp();

    [Benchmark]
    public void InFlightGauge_IncDec()
    {
        _metrics.InFlight.Inc();
        _metrics.InFlight.Dec();
    }

    [Benchmark]
    public void Histogram_ObserveTicks() => _histogram.ObserveTicks(_elapsed);

    [Benchmark]
    public void Counter_Inc() => _counter.Inc();

    // What the middleware reads from the context. DefaultHttpContext keeps features in a Type-keyed dictionary;
    // Kestrel's own context answers the common features from fields, so these are upper bounds for a real server.
    [Benchmark]
    public Endpoint? Context_GetEndpoint() => _context.GetEndpoint();

    [Benchmark]
    public string Context_RequestMethod() => _context.Request.Method;

    [Benchmark]
    public int Context_StatusCode() => _context.Response.StatusCode;

    [Benchmark]
    public object Cache_For_Duration_Requests()
    {
        var series = _cache.For(_context.GetEndpoint());
        var method = EndpointSeriesCache.MethodIndex(_context.Request.Method);
        var duration = series.Duration(method);
        var requests = series.Requests(method, _context.Response.StatusCode);
        return ReferenceEquals(duration, requests) ? duration : requests;
    }
}
