using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;
using Prom = Prometheus;

namespace TheBot.Monitoring.Benchmarks;

/// <summary>
/// What recording one request costs. Every benchmark handles the same request: GET, route
/// <c>/api/assignments/{id}</c>, status 200, a <c>next</c> delegate that has already completed.
/// <list type="bullet">
/// <item><c>Bare</c>: the pipeline step without any metrics (call next, check completion).</item>
/// <item><c>Ours_Middleware</c>: the real <see cref="HttpMetricsMiddleware"/> (in-flight gauge, timestamps, endpoint → cached series, histogram + counter).</item>
/// <item><c>Ours_Middleware_BrowserAccept</c>: the same request carrying a browser's <c>Accept</c> header, which the middleware
/// reads to tell an event-stream request (<see cref="EventStreamTracker"/>) from an ordinary one.</item>
/// <item><c>Ours_SeriesOnly</c>: just the record step: EndpointSeriesCache.For + Duration.ObserveTicks + Requests.Inc.</item>
/// <item><c>PrometheusNet</c>: prometheus-net as its users write it: <c>WithLabels(method, route, status).Inc()</c> and <c>WithLabels(method, route).Observe()</c>.</item>
/// <item><c>PrometheusNet_CachedChildren</c>: prometheus-net at its best, the floor: both children looked up once in setup and held,
/// so a request is only <c>Observe</c> + <c>Inc</c> (no lookup at all, which flatters it: ours looks the series up per request).</item>
/// <item><c>PrometheusNet_ChildCache</c>: prometheus-net at its best with a lookup a real middleware needs: children cached in a
/// <c>ConcurrentDictionary</c> keyed by (method, route template of the matched endpoint, status), as the throughput server's
/// <c>prometheus-net-cached</c> mode does.</item>
/// <item><c>DiagnosticsMetrics_OTel</c>: System.Diagnostics.Metrics Counter&lt;long&gt;.Add + Histogram&lt;double&gt;.Record with 3 tags each, with an OpenTelemetry MeterProvider (Prometheus exporter) listening.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class HttpHotPathBenchmarks
{
    private const string Route = "/api/assignments/{id}";

    private static readonly RequestDelegate CompletedNext = static _ => Task.CompletedTask;

    // ASP.NET Core's own hosting metrics box status codes once and reuse them; do the same so the comparison is fair.
    private static readonly object[] BoxedStatus = Enumerable.Range(0, 600).Select(static code => (object)code).ToArray();

    private DefaultHttpContext _context = null!;
    private DefaultHttpContext _browserContext = null!;
    private Endpoint _endpoint = null!;
    private HttpMetrics _metrics = null!;
    private EndpointSeriesCache _cache = null!;
    private HttpMetricsMiddleware _middleware = null!;

    private Prom.Counter _promRequests = null!;
    private Prom.Histogram _promDuration = null!;
    private Prom.Counter.Child _promRequestsChild = null!;
    private Prom.Histogram.Child _promDurationChild = null!;
    private ConcurrentDictionary<(string Method, string Route, int Status), (Prom.Counter.Child Requests, Prom.Histogram.Child Duration)> _promChildren = null!;

    private Meter _meter = null!;
    private Counter<long> _otelRequests = null!;
    private Histogram<double> _otelDuration = null!;
    private MeterProvider _meterProvider = null!;

    [GlobalSetup]
    public void Setup()
    {
        _endpoint = new RouteEndpoint(CompletedNext, RoutePatternFactory.Parse(Route), 0, EndpointMetadataCollection.Empty, "GET " + Route);
        _context = new DefaultHttpContext();
        _context.Request.Method = HttpMethods.Get;
        _context.Request.Path = "/api/assignments/42";
        _context.Response.StatusCode = StatusCodes.Status200OK;
        _context.SetEndpoint(_endpoint);
        _browserContext = new DefaultHttpContext();
        _browserContext.Request.Method = HttpMethods.Get;
        _browserContext.Request.Path = "/api/assignments/42";
        _browserContext.Request.Headers.Accept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
        _browserContext.Response.StatusCode = StatusCodes.Status200OK;
        _browserContext.SetEndpoint(_endpoint);

        _metrics = new HttpMetrics(new MetricRegistry());
        _cache = new EndpointSeriesCache(_metrics);
        _middleware = new HttpMetricsMiddleware(CompletedNext, _metrics, _cache);

        var promRegistry = Prom.Metrics.NewCustomRegistry();
        var factory = Prom.Metrics.WithCustomRegistry(promRegistry);
        _promRequests = factory.CreateCounter("http_requests_total", "Requests.", "method", "endpoint", "status");
        _promDuration = factory.CreateHistogram("http_request_duration_seconds", "Duration.",
            new Prom.HistogramConfiguration { LabelNames = ["method", "endpoint"], Buckets = HttpMetrics.DefaultDurationBuckets });

        _promRequestsChild = _promRequests.WithLabels(HttpMethods.Get, Route, "200");
        _promDurationChild = _promDuration.WithLabels(HttpMethods.Get, Route);
        _promChildren = new();

        var meterName = "TheBot.Bench." + Guid.NewGuid().ToString("N");
        _meter = new Meter(meterName);
        _otelRequests = _meter.CreateCounter<long>("http.server.requests");
        _otelDuration = _meter.CreateHistogram<double>("http.server.request.duration", "s");
        _meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(meterName).AddPrometheusExporter().Build();

        // Create every series once, so that each benchmark measures the steady state of a known route.
        Ours_Middleware();
        PrometheusNet();
        PrometheusNet_ChildCache();
        DiagnosticsMetrics_OTel();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meterProvider.Dispose();
        _meter.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task Bare()
    {
        var pending = CompletedNext(_context);
        return pending.IsCompletedSuccessfully ? Task.CompletedTask : pending;
    }

    [Benchmark]
    public Task Ours_Middleware() => _middleware.InvokeAsync(_context);

    [Benchmark]
    public Task Ours_Middleware_BrowserAccept() => _middleware.InvokeAsync(_browserContext);

    [Benchmark]
    public void Ours_SeriesOnly()
    {
        var started = Stopwatch.GetTimestamp();
        var series = _cache.For(_context.GetEndpoint());
        var method = EndpointSeriesCache.MethodIndex(_context.Request.Method);
        series.Duration(method).ObserveTicks(Stopwatch.GetTimestamp() - started);
        series.Requests(method, _context.Response.StatusCode).Inc();
    }

    [Benchmark]
    public void PrometheusNet()
    {
        var started = Stopwatch.GetTimestamp();
        var method = _context.Request.Method;
        var status = _context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _promDuration.WithLabels(method, Route).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        _promRequests.WithLabels(method, Route, status).Inc();
    }

    [Benchmark]
    public void PrometheusNet_CachedChildren()
    {
        var started = Stopwatch.GetTimestamp();
        _promDurationChild.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        _promRequestsChild.Inc();
    }

    [Benchmark]
    public void PrometheusNet_ChildCache()
    {
        var started = Stopwatch.GetTimestamp();
        // The route comes from the matched endpoint, as a real middleware must get it (ours pays GetEndpoint too).
        var route = (_context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
        var key = (_context.Request.Method, route, _context.Response.StatusCode);
        // The factory runs once per key; the static lambda and its state argument keep the hit path free of allocation.
        var (requests, duration) = _promChildren.GetOrAdd(key, static (k, families) =>
            (families.Requests.WithLabels(k.Method, k.Route, k.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)),
             families.Duration.WithLabels(k.Method, k.Route)),
            (Requests: _promRequests, Duration: _promDuration));
        duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        requests.Inc();
    }

    [Benchmark]
    public void DiagnosticsMetrics_OTel()
    {
        var started = Stopwatch.GetTimestamp();
        var method = new KeyValuePair<string, object?>("http.request.method", _context.Request.Method);
        var route = new KeyValuePair<string, object?>("http.route", Route);
        var status = new KeyValuePair<string, object?>("http.response.status_code", BoxedStatus[_context.Response.StatusCode]);
        _otelDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, method, route, status);
        _otelRequests.Add(1, method, route, status);
    }
}
