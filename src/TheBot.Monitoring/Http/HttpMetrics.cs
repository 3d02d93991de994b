using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Http;

/// <summary>The HTTP families of contract §5: requests, duration, exceptions and requests in flight.</summary>
public sealed class HttpMetrics
{
    /// <summary>
    /// Default request-duration buckets, in seconds: fine steps from 5 ms (a cached read) to 1 s (the latency alert's
    /// threshold), coarse ones up to 10 s (a request about to time out).
    /// </summary>
    public static readonly double[] DefaultDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Creates the families in <paramref name="registry"/>.</summary>
    public HttpMetrics(MetricRegistry registry, double[]? durationBuckets = null)
    {
        Requests = registry.Counter("thebot_http_requests_total",
            "HTTP requests completed, by method, route template and status code.", "method", "endpoint", "status");
        Duration = registry.DurationHistogram("thebot_http_request_duration_seconds",
            "Time from the request reaching the service to the response being produced, by method and route template.",
            durationBuckets ?? DefaultDurationBuckets, "method", "endpoint");
        Exceptions = registry.Counter("thebot_http_request_exceptions_total",
            "Unhandled exceptions thrown while serving HTTP requests, by exception type.", "exception_type");
        InFlight = registry.Gauge("thebot_http_requests_in_flight", "HTTP requests being served right now.").Unlabelled();
    }

    /// <summary><c>thebot_http_requests_total{method,endpoint,status}</c>.</summary>
    public MetricFamily<Counter> Requests { get; }

    /// <summary><c>thebot_http_request_duration_seconds{method,endpoint}</c>.</summary>
    public MetricFamily<Histogram> Duration { get; }

    /// <summary><c>thebot_http_request_exceptions_total{exception_type}</c>.</summary>
    public MetricFamily<Counter> Exceptions { get; }

    /// <summary><c>thebot_http_requests_in_flight</c>.</summary>
    public Gauge InFlight { get; }
}
