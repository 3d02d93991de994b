using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using TheBot.Monitoring.Diagnostics;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Benchmarks;

/// <summary>
/// What publishing our families on the meter TheBot.Monitoring costs a request: the real middleware over a registry
/// <list type="bullet">
/// <item><c>NotPublished</c>: no <see cref="TheBotMeter"/> at all (the library before the meter existed): the baseline.</item>
/// <item><c>NoListener</c>: published, nobody listening: what every service pays (one field read and branch).</item>
/// <item><c>OpenTelemetry</c>: an OpenTelemetry MeterProvider listening to TheBot.Monitoring, what a service that adds
/// <c>.AddMeter("TheBot.Monitoring")</c> pays: the duration histogram also records to the Meter histogram (counters
/// are observed at collection, not here).</item>
/// </list>
/// Same request as <see cref="HttpHotPathBenchmarks"/>: GET <c>/api/assignments/{id}</c>, 200, completed <c>next</c>.
/// </summary>
[MemoryDiagnoser]
public class MeterPublicationBenchmarks
{
    private static readonly RequestDelegate CompletedNext = static _ => Task.CompletedTask;

    private ServiceProvider _services = null!;
    private DefaultHttpContext _context = null!;
    private HttpMetricsMiddleware _middleware = null!;
    private MeterProvider? _meterProvider;

    public enum Publication
    {
        NotPublished,
        NoListener,
        OpenTelemetry,
    }

    [Params(Publication.NotPublished, Publication.NoListener, Publication.OpenTelemetry)]
    public Publication Case { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var registry = new MetricRegistry();
        if (Case != Publication.NotPublished)
        {
            _ = new TheBotMeter(_services.GetRequiredService<IMeterFactory>(), registry);
        }

        var metrics = new HttpMetrics(registry);
        _middleware = new HttpMetricsMiddleware(CompletedNext, metrics, new EndpointSeriesCache(metrics));
        _context = new DefaultHttpContext();
        _context.Request.Method = HttpMethods.Get;
        _context.Response.StatusCode = StatusCodes.Status200OK;
        _context.SetEndpoint(new RouteEndpoint(CompletedNext, RoutePatternFactory.Parse("/api/assignments/{id}"), 0, EndpointMetadataCollection.Empty, "GET"));
        if (Case == Publication.OpenTelemetry)
        {
            _meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(TheBotMeter.MeterName).AddPrometheusExporter().Build();
        }

        Ours_Middleware(); // series created and linked before measuring
        if ((metrics.Duration.Series.Single().MeterLink is null) != (Case == Publication.NotPublished))
        {
            throw new InvalidOperationException("the duration series is not linked to the meter as the case says");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meterProvider?.Dispose();
        _services.Dispose();
    }

    [Benchmark]
    public Task Ours_Middleware() => _middleware.InvokeAsync(_context);
}
