using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Diagnostics;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Tests.Support;
using Xunit;
using MetricType = TheBot.Monitoring.Metrics.MetricType;
using OTelType = OpenTelemetry.Metrics.MetricType;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// Every thebot_* family is published on the meter TheBot.Monitoring with the exposition's values: seen by an
/// OpenTelemetry MeterProvider (in-memory exporter) and by MetricCollector after the same known traffic.
/// </summary>
[Collection(MeterListenersCollection.Name)]
public sealed class MeterPublicationTests
{
    private const string ItemRoute = "/proof/items/{id}";

    [Fact]
    public async Task OpenTelemetry_sees_every_family_with_the_values_of_the_exposition()
    {
        var exported = new List<MetricSnapshot>();
        await using var app = await TestApp.StartAsync(MapRoutes, services => services.AddMemoryCache().AddTheBotMetrics<AppBusinessMetrics>().AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter("TheBot.Monitoring").AddInMemoryExporter(exported)));
        var provider = app.Services.GetRequiredService<MeterProvider>();
        await SendKnownTrafficAsync(app);

        // The provider collects first, then the scrape: between the two only the scrape itself happens, which is in
        // flight while the exposition is written (in_flight = 1 there) and counted after it.
        Assert.True(provider.ForceFlush(10_000));
        var exposition = await app.ScrapeAsync();

        var latest = exported.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());
        var seen = latest.Values.ToDictionary(m => m.Name, m => m.MetricPoints.ToDictionary(
            p => PublishedSeries.Key(TagsOf(p)), p => ValuesOf(m.MetricType, p)));
        var expected = PublishedSeries.FromExposition(exposition, app.Services.GetRequiredService<MetricRegistry>());
        WithoutTheScrapeInFlight(expected);
        PublishedSeries.AssertSame(expected, seen);

        // The contract, spelled out: OpenTelemetry's names, units and attribute types.
        var duration = latest["thebot.http.server.request.duration"];
        Assert.Equal(("s", OTelType.Histogram), (duration.Unit, duration.MetricType));
        Assert.Equal(3, seen[duration.Name][$"http.request.method=GET;http.route={ItemRoute}"].Count);
        Assert.Equal(new[] { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 },
            BucketsOf(duration.MetricPoints[0]).Select(b => b.Bound).Where(double.IsFinite));
        var requests = latest["thebot.http.server.requests"];
        Assert.Equal(("{request}", OTelType.LongSum), (requests.Unit, requests.MetricType));
        var created = requests.MetricPoints.Single(p => TagsOf(p).Contains(new("http.route", "/proof/items")));
        Assert.Equal(201, TagsOf(created).Single(t => t.Key == "http.response.status_code").Value); // an int, as the conventions say
        Assert.Equal(1, created.GetSumLong());
        Assert.Equal(OTelType.DoubleSumNonMonotonic, latest["thebot.http.server.active_requests"].MetricType);
        Assert.Equal(OTelType.DoubleGauge, latest["thebot.health.component.up"].MetricType);
        Assert.Equal(2, seen["thebot.db.client.operations"]["db.collection.name=items;db.namespace=proofdb;db.operation.name=select"].Value);
        Assert.All(latest.Keys, name => Assert.StartsWith("thebot.", name));
    }

    [Fact]
    public async Task MetricCollector_sees_every_family_with_the_values_of_the_exposition()
    {
        await using var app = await TestApp.StartAsync(MapRoutes, services => services.AddMemoryCache().AddTheBotMetrics<AppBusinessMetrics>());
        var meterFactory = app.Services.GetRequiredService<IMeterFactory>();
        var registry = app.Services.GetRequiredService<MetricRegistry>();

        // Histograms reach a listener only while it listens: the collectors start before the traffic.
        var collectors = registry.Families.Where(f => f.Name.StartsWith("thebot_", StringComparison.Ordinal)).ToDictionary(
            f => InstrumentNames.For(f).Name,
            f => f.Type == MetricType.Counter
                ? (IDisposable)new MetricCollector<long>(meterFactory, TheBotMeter.MeterName, InstrumentNames.For(f).Name)
                : new MetricCollector<double>(meterFactory, TheBotMeter.MeterName, InstrumentNames.For(f).Name));
        try
        {
            await SendKnownTrafficAsync(app);
            var seen = new Dictionary<string, Dictionary<string, PublishedSeries>>(StringComparer.Ordinal);
            foreach (var (name, collector) in collectors)
            {
                var series = collector switch
                {
                    MetricCollector<long> counter => Latest(counter),
                    MetricCollector<double> other when registry.Families.Single(f => InstrumentNames.For(f).Name == name).Type == MetricType.Histogram
                        => other.GetMeasurementSnapshot().GroupBy(m => PublishedSeries.Key(m.Tags)).ToDictionary(
                            g => g.Key, g => new PublishedSeries(0, g.Count(), g.Sum(m => m.Value), [])),
                    MetricCollector<double> gauge => Latest(gauge),
                    _ => throw new InvalidOperationException(),
                };
                if (series.Count > 0)
                {
                    seen[name] = series;
                }
            }

            var exposition = await app.ScrapeAsync();
            var expected = PublishedSeries.FromExposition(exposition, registry);
            WithoutTheScrapeInFlight(expected);
            PublishedSeries.AssertSame(expected, seen);
            Assert.Equal(3, seen["thebot.http.server.request.duration"][$"http.request.method=GET;http.route={ItemRoute}"].Count);
        }
        finally
        {
            foreach (var collector in collectors.Values)
            {
                collector.Dispose();
            }
        }
    }

    [Fact]
    public void With_no_listener_the_request_path_allocates_nothing_and_records_to_the_meter_once_one_listens()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var registry = new MetricRegistry();
        var meter = new TheBotMeter(meterFactory, registry);
        var metrics = new Http.HttpMetrics(registry);
        var middleware = new Http.HttpMetricsMiddleware(static _ => Task.CompletedTask, metrics, new Http.EndpointSeriesCache(metrics));
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.SetEndpoint(new RouteEndpoint(static _ => Task.CompletedTask, Microsoft.AspNetCore.Routing.Patterns.RoutePatternFactory.Parse(ItemRoute), 0,
            EndpointMetadataCollection.Empty, "proof"));
        for (var i = 0; i < 1_000; i++)
        {
            _ = middleware.InvokeAsync(context); // warm: series created, methods jitted
        }

        Assert.NotNull(metrics.Duration.Series.Single().MeterLink); // published, so this measures the link's cost too
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            _ = middleware.InvokeAsync(context);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        using var collector = new MetricCollector<double>(meter.Meter, "thebot.http.server.request.duration");
        for (var i = 0; i < 5; i++)
        {
            _ = middleware.InvokeAsync(context);
        }

        Assert.Equal(5, collector.GetMeasurementSnapshot().Count);
        Assert.Equal(11_005, metrics.Duration.Series.Single().Snapshot().Count);
    }

    [Fact]
    public void A_family_the_service_adds_itself_is_published_under_the_reversed_prometheus_name()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var registry = new MetricRegistry();
        _ = new TheBotMeter(meterFactory, registry);
        using var orders = new MetricCollector<long>(meterFactory, TheBotMeter.MeterName, "myapp.orders");
        using var jobs = new MetricCollector<double>(meterFactory, TheBotMeter.MeterName, "myapp.job.duration");

        // Registered after the meter: families added later are published too.
        registry.Counter("myapp_orders_total", "Orders.", "channel").WithLabels("web").Inc(4);
        registry.Histogram("myapp_job_duration_seconds", "Jobs.", [0.1, 1], "job").WithLabels("export").Observe(0.25);
        orders.RecordObservableInstruments();

        Assert.Equal((4L, "web"), (orders.LastMeasurement!.Value, orders.LastMeasurement.Tags["channel"]));
        Assert.Equal((0.25, "export"), (jobs.LastMeasurement!.Value, jobs.LastMeasurement.Tags["job"]));
        Assert.Equal("s", jobs.Instrument!.Unit);
    }

    [Fact]
    public void A_unit_given_at_registration_is_the_instruments_unit_and_the_exposition_is_unchanged()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var registry = new MetricRegistry();
        _ = new TheBotMeter(meterFactory, registry);
        using var orders = new MetricCollector<long>(meterFactory, TheBotMeter.MeterName, "myapp.orders");
        using var sizes = new MetricCollector<double>(meterFactory, TheBotMeter.MeterName, "myapp.batch.size");

        registry.Counter("myapp_orders_total", "Orders.", MetricUnit.Count("order"), "channel").WithLabels("web").Inc();
        registry.Histogram("myapp_batch_size", "Rows per batch.", MetricUnit.Count("row"), [10, 100]).Unlabelled().Observe(42);

        Assert.Equal("{order}", orders.Instrument!.Unit);
        Assert.Equal("{row}", sizes.Instrument!.Unit);
        var writer = new ExpositionWriter();
        registry.WriteTo(writer);
        var text = System.Text.Encoding.UTF8.GetString(writer.WrittenMemory.Span);
        Assert.Contains("# TYPE myapp_orders_total counter\nmyapp_orders_total{channel=\"web\"} 1\n", text);
        Assert.DoesNotContain("# UNIT", text);
    }

    [Fact]
    public void A_unit_that_contradicts_the_name_or_an_earlier_registration_is_refused_naming_both()
    {
        var registry = new MetricRegistry();

        var contradicting = Assert.Throws<ArgumentException>(() => registry.Histogram("myapp_job_duration_seconds", "Jobs.", MetricUnit.Bytes, [1.0]));
        Assert.Contains("myapp_job_duration_seconds says its unit is s by its name, not By", contradicting.Message);
        Assert.Throws<ArgumentException>(() => registry.Counter("myapp_orders_total", "Orders.", default(MetricUnit)));
        Assert.Throws<ArgumentException>(() => MetricUnit.Count("two words"));
        Assert.Throws<ArgumentException>(() => MetricUnit.Count("{order}"));

        registry.Counter("myapp_orders_total", "Orders.", MetricUnit.Count("order"));
        Assert.Same(registry.Families.Single(), registry.Counter("myapp_orders_total", "Orders.", MetricUnit.Count("order")));
        var again = Assert.Throws<InvalidOperationException>(() => registry.Counter("myapp_orders_total", "Orders.", MetricUnit.Count("request")));
        Assert.Contains("another unit", again.Message);

        // The unit a suffix implies is the same as saying it: both registrations are one family.
        var duration = registry.Histogram("myapp_job_duration_seconds", "Jobs.", [1.0]);
        Assert.Same(duration, registry.Histogram("myapp_job_duration_seconds", "Jobs.", MetricUnit.Seconds, [1.0]));
    }

    private static void MapRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/proof/items/{id:int}", (int id) => TypedResults.Ok(new { id }));
        app.MapPost("/proof/items", () => TypedResults.Created("/proof/items/1", new { id = 1 }));
        app.MapGet("/proof/fail", string () => throw new InvalidOperationException("proof"));
        app.MapGet("/proof/cache/{key}", (string key, IMemoryCache cache) => cache.TryGetValue(key, out _) ? "hit" : (cache.Set(key, "v") ?? "miss"));
    }

    /// <summary>HTTP requests through the server, database, cache and business events through their recorders.</summary>
    private static async Task SendKnownTrafficAsync(TestApp app)
    {
        // Every health component has reported once, so no new series appears between the two readings.
        var deadline = Stopwatch.StartNew();
        while (Exposition.LabelValues(await app.ScrapeAsync(), "thebot_health_component_up", "component").Count < 3)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "health components never reported");
            await Task.Delay(50);
        }

        for (var i = 1; i <= 3; i++)
        {
            (await app.Client.GetAsync($"/proof/items/{i}")).EnsureSuccessStatusCode();
        }

        Assert.Equal(HttpStatusCode.Created, (await app.Client.PostAsync("/proof/items", null)).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await app.Client.GetAsync("/proof/fail")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/proof/nowhere/at/all")).StatusCode);
        (await app.Client.GetAsync("/proof/cache/a")).EnsureSuccessStatusCode();
        (await app.Client.GetAsync("/proof/cache/a")).EnsureSuccessStatusCode();

        var db = app.Services.GetRequiredService<DbMetrics>();
        db.Record("proofdb", "SELECT id FROM items WHERE id = 1", Stopwatch.Frequency / 1000, failed: false);
        db.Record("proofdb", "SELECT id FROM items WHERE id = 2", Stopwatch.Frequency / 100, failed: false);
        db.Record("proofdb", "UPDATE items SET name = 'x'", Stopwatch.Frequency / 10, failed: true);
        db.ConnectionErrors.WithLabels("proofdb").Inc();
        app.Services.GetRequiredService<CacheMetrics>().For("redis").Errors.Inc();
        KnownBusinessEvents.Record(app.Services);
    }

    private static void WithoutTheScrapeInFlight(Dictionary<string, Dictionary<string, PublishedSeries>> expected)
    {
        var inFlight = expected["thebot.http.server.active_requests"];
        Assert.Equal(1, inFlight[""].Value);
        inFlight[""] = PublishedSeries.Scalar(0);
    }

    private static Dictionary<string, PublishedSeries> Latest<T>(MetricCollector<T> collector)
        where T : struct
    {
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot().GroupBy(m => PublishedSeries.Key(m.Tags))
            .ToDictionary(g => g.Key, g => PublishedSeries.Scalar(Convert.ToDouble(g.Last().Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static List<KeyValuePair<string, object?>> TagsOf(MetricPoint point)
    {
        var tags = new List<KeyValuePair<string, object?>>();
        foreach (var tag in point.Tags)
        {
            tags.Add(tag);
        }

        return tags;
    }

    private static List<(double Bound, long Count)> BucketsOf(MetricPoint point)
    {
        var buckets = new List<(double, long)>();
        foreach (var bucket in point.GetHistogramBuckets())
        {
            buckets.Add((bucket.ExplicitBound, bucket.BucketCount));
        }

        return buckets;
    }

    private static PublishedSeries ValuesOf(OTelType type, MetricPoint point)
    {
        switch (type)
        {
            case OTelType.LongSum or OTelType.LongSumNonMonotonic:
                return PublishedSeries.Scalar(point.GetSumLong());
            case OTelType.DoubleSum or OTelType.DoubleSumNonMonotonic:
                return PublishedSeries.Scalar(point.GetSumDouble());
            case OTelType.DoubleGauge:
                return PublishedSeries.Scalar(point.GetGaugeLastValueDouble());
            case OTelType.Histogram:
                long running = 0;
                var cumulative = BucketsOf(point).Where(b => double.IsFinite(b.Bound)).Select(b => running += b.Count).ToList();
                return new PublishedSeries(0, point.GetHistogramCount(), point.GetHistogramSum(), cumulative);
            default:
                throw new InvalidOperationException($"unexpected metric type {type}");
        }
    }
}

/// <summary>
/// Tests whose listener would also hear the TheBot.Monitoring meters of other hosts (OpenTelemetry listens by meter
/// name, whatever factory created it) run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeterListenersCollection
{
    public const string Name = "meter listeners";
}
