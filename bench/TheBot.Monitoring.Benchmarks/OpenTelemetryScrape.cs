using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace TheBot.Monitoring.Benchmarks;

/// <summary>
/// OpenTelemetry's exposition of the same families as <see cref="ExpositionBenchmarks"/>: System.Diagnostics.Metrics
/// instruments aggregated by the SDK's MeterProvider and served by OpenTelemetry.Exporter.Prometheus.AspNetCore's
/// scraping middleware, driven in-process (no Kestrel, no socket) so only collection and serialization are timed.
/// Configured at its best for this measurement:
/// <list type="bullet">
/// <item>response cache off (<c>ScrapeResponseCacheDurationMilliseconds = 0</c>): the default 300 ms would hand most
/// benchmark calls the previous scrape's bytes, timing a copy instead of a serialization;</item>
/// <item>no <c>otel_scope_*</c> labels and no <c>target_info</c>: fewer bytes per line and the same line count as ours;</item>
/// <item>no <c>Accept</c> and no <c>Accept-Encoding</c>: the fallback Prometheus text 0.0.4, uncompressed, as ours;</item>
/// <item>each stream's cardinality limit raised to the series count (the SDK's default, 2,000 per stream, would fold
/// the rest into an overflow point).</item>
/// </list>
/// One call is what one scrape costs the exporter: the SDK's collect (a snapshot of every metric point) and the
/// serialization into the exporter's buffer, then the copy to the response body.
/// </summary>
public sealed class OpenTelemetryScrape : IDisposable
{
    private readonly Meter _meter;
    private readonly MeterProvider _meterProvider;
    private readonly ServiceProvider _services;
    private readonly RequestDelegate _pipeline;
    private readonly DefaultHttpContext _context;

    public OpenTelemetryScrape(int cardinalityLimit, double[] buckets)
    {
        // A unique meter name: BenchmarkDotNet runs every case in one process and listeners are process-wide.
        var meterName = "TheBot.Bench.Exposition." + Guid.NewGuid().ToString("N");
        _meter = new Meter(meterName);
        Requests = _meter.CreateCounter<long>("thebot_http_requests");
        Duration = _meter.CreateHistogram<double>("thebot_http_request_duration_seconds");

        _meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meterName)
            .AddView(Requests.Name, new MetricStreamConfiguration { CardinalityLimit = cardinalityLimit })
            .AddView(Duration.Name, new ExplicitBucketHistogramConfiguration { Boundaries = buckets, CardinalityLimit = cardinalityLimit })
            .AddPrometheusExporter(static options =>
            {
                options.ScrapeResponseCacheDurationMilliseconds = 0;
                options.ScopeInfoEnabled = false;
                options.TargetInfoEnabled = false;
            })
            .Build();

        // The package's public entry point, as an application registers it; the predicate skips the path match so the
        // branch always serves the scrape.
        _services = new ServiceCollection().BuildServiceProvider();
        var app = new ApplicationBuilder(_services);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(_meterProvider, static _ => true, path: null, configureBranchedPipeline: null, optionsName: null);
        _pipeline = app.Build();

        _context = new DefaultHttpContext();
        _context.Request.Method = HttpMethods.Get;
        _context.Request.Path = "/metrics";
    }

    public Counter<long> Requests { get; }

    public Histogram<double> Duration { get; }

    /// <summary>Serves one scrape into <paramref name="body"/>; returns the response's status code.</summary>
    public async Task<int> ScrapeAsync(Stream body)
    {
        // The middleware appends Last-Modified and sets the status each time: reset them so every call is a first response.
        _context.Response.Headers.Clear();
        _context.Response.StatusCode = StatusCodes.Status404NotFound;
        _context.Response.Body = body;
        await _pipeline(_context);
        return _context.Response.StatusCode;
    }

    public void Dispose()
    {
        _meterProvider.Dispose();
        _meter.Dispose();
        _services.Dispose();
    }
}
