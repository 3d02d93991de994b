using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Routing;

/// <summary>
/// The same per-request work as TheBot.Monitoring's middleware, written the best way each peer library allows, so the
/// throughput table compares libraries and not feature sets (issue 12, "fair peers"): a request counter by method,
/// route template and status, a duration histogram by method and route on the same 11 buckets, and an in-flight
/// gauge. Only the recording differs.
/// </summary>
internal static class PeerRequestMetrics
{
    /// <summary>TheBot.Monitoring's default HTTP duration buckets (HttpMetrics.DefaultDurationBuckets).</summary>
    public static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The route template the request matched, or "unmatched" (as ours labels it).</summary>
    public static string RouteOf(HttpContext context) => (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";

    /// <summary>
    /// prometheus-net at its best: children resolved once per (method, route, status) and kept (no label lookup and
    /// no string[] per request), the in-flight gauge unlabelled.
    /// </summary>
    public static IApplicationBuilder UsePrometheusNetCachedChildren(this IApplicationBuilder app)
    {
        var requests = Prometheus.Metrics.CreateCounter("bench_http_requests_total", "Requests.", "method", "endpoint", "status");
        var duration = Prometheus.Metrics.CreateHistogram("bench_http_request_duration_seconds", "Duration.",
            new Prometheus.HistogramConfiguration { LabelNames = ["method", "endpoint"], Buckets = Buckets });
        var inFlight = Prometheus.Metrics.CreateGauge("bench_http_requests_in_flight", "In flight.");
        var children = new System.Collections.Concurrent.ConcurrentDictionary<(string Method, string Route, int Status), (Prometheus.Counter.Child Requests, Prometheus.Histogram.Child Duration)>();
        return app.Use(async (context, next) =>
        {
            var start = Stopwatch.GetTimestamp();
            inFlight.Inc();
            try
            {
                await next(context);
            }
            finally
            {
                inFlight.Dec();
                var key = (context.Request.Method, RouteOf(context), context.Response.StatusCode);
                var (count, histogram) = children.GetOrAdd(key, static (k, families) =>
                    (families.requests.WithLabels(k.Method, k.Route, k.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)), families.duration.WithLabels(k.Method, k.Route)),
                    (requests, duration));
                count.Inc();
                histogram.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        });
    }

    /// <summary>
    /// System.Diagnostics.Metrics instruments (what OpenTelemetry .NET recommends) recorded with a TagList (no
    /// allocation for up to 8 tags), exported by the OpenTelemetry SDK's Prometheus exporter; the bucket advice gives
    /// it ours' buckets.
    /// </summary>
    public static IApplicationBuilder UseDiagnosticsMetricsMiddleware(this IApplicationBuilder app, Meter meter)
    {
        var requests = meter.CreateCounter<long>("bench.http.server.requests", "{request}");
        var duration = meter.CreateHistogram("bench.http.server.request.duration", "s", "Duration.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
        var inFlight = meter.CreateUpDownCounter<long>("bench.http.server.active_requests", "{request}");
        return app.Use(async (context, next) =>
        {
            var start = Stopwatch.GetTimestamp();
            inFlight.Add(1);
            try
            {
                await next(context);
            }
            finally
            {
                inFlight.Add(-1);
                var route = RouteOf(context);
                var tags = new TagList { { "http.request.method", context.Request.Method }, { "http.route", route } };
                duration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, tags);
                tags.Add("http.response.status_code", context.Response.StatusCode);
                requests.Add(1, tags);
            }
        });
    }
}
