using BenchmarkDotNet.Attributes;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;
using Prom = Prometheus;

namespace TheBot.Monitoring.Benchmarks;

/// <summary>
/// One scrape of 10,000 (or 100,000) series, counted the way Prometheus counts them: one series per sample line.
/// At 10,000:
/// <list type="bullet">
/// <item>3,000 counter series <c>requests_total{method,endpoint,status}</c> (500 routes × 2 methods × 3 statuses) = 3,000 lines;</item>
/// <item>500 histograms <c>request_duration_seconds{method,endpoint}</c> (250 routes × 2 methods), each 11 buckets + +Inf + _sum + _count = 14 lines, 7,000 lines.</item>
/// </list>
/// Total 10,000 sample lines (3,500 series objects in the client library); 100,000 has ten times the routes of each. Every series has non-zero values so
/// numbers are formatted as in production. Ours writes into a reused <see cref="ExpositionWriter"/> (what the endpoint does);
/// prometheus-net serializes its registry into a reused MemoryStream with CollectAndExportAsTextAsync;
/// OpenTelemetry serves a scrape through its exporter's middleware into a reused MemoryStream (<see cref="OpenTelemetryScrape"/>).
/// </summary>
[MemoryDiagnoser]
public class ExpositionBenchmarks
{
    /// <summary>Routes per 10,000 series: counters over all of them, histograms over the first half.</summary>
    public const int Routes = 500;
    public const int HistogramRoutes = 250;

    private static readonly string[] Methods = ["GET", "POST"];
    private static readonly string[] Statuses = ["200", "404", "500"];

    private MetricRegistry _registry = null!;
    private ExpositionWriter _writer = null!;
    private Prom.CollectorRegistry _promRegistry = null!;
    private MemoryStream _promStream = null!;
    private OpenTelemetryScrape _otel = null!;
    private MemoryStream _otelStream = null!;

    /// <summary>Sample lines in one scrape: the 10 ms budget's size, and ten times it (budget 20 ms).</summary>
    [Params(10_000, 100_000)]
    public int Series { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var scale = Series / 10_000;
        // The default cap (10,000 series per family) would fold the 100,000 case's 30,000 counter series into
        // one overflow series; a host that wants that many raises it through MonitoringOptions.MaxSeriesPerMetric.
        _registry = new MetricRegistry(maxSeriesPerFamily: Series);
        var requests = _registry.Counter("thebot_http_requests_total", "HTTP requests.", "method", "endpoint", "status");
        var duration = _registry.Histogram("thebot_http_request_duration_seconds", "HTTP duration.", HttpMetrics.DefaultDurationBuckets, "method", "endpoint");

        _promRegistry = Prom.Metrics.NewCustomRegistry();
        var factory = Prom.Metrics.WithCustomRegistry(_promRegistry);
        var promRequests = factory.CreateCounter("thebot_http_requests_total", "HTTP requests.", "method", "endpoint", "status");
        var promDuration = factory.CreateHistogram("thebot_http_request_duration_seconds", "HTTP duration.",
            new Prom.HistogramConfiguration { LabelNames = ["method", "endpoint"], Buckets = HttpMetrics.DefaultDurationBuckets });

        _otel = new OpenTelemetryScrape(cardinalityLimit: Series, HttpMetrics.DefaultDurationBuckets);

        var random = new Random(42);
        for (var r = 0; r < Routes * scale; r++)
        {
            var route = $"/api/resource{r}/{{id}}";
            foreach (var method in Methods)
            {
                foreach (var status in Statuses)
                {
                    var count = random.Next(1, 1_000_000);
                    requests.WithLabels(method, route, status).Inc(count);
                    promRequests.WithLabels(method, route, status).Inc(count);
                    _otel.Requests.Add(count, new("method", method), new("endpoint", route), new("status", status));
                }

                if (r < HistogramRoutes * scale)
                {
                    var ours = duration.WithLabels(method, route);
                    var theirs = promDuration.WithLabels(method, route);
                    for (var i = 0; i < 20; i++)
                    {
                        var seconds = random.NextDouble() * random.NextDouble() * 3;
                        ours.Observe(seconds);
                        theirs.Observe(seconds);
                        _otel.Duration.Record(seconds, new("method", method), new("endpoint", route));
                    }
                }
            }
        }

        _writer = new ExpositionWriter();
        _promStream = new MemoryStream(2 * 1024 * 1024 * scale);
        _otelStream = new MemoryStream(2 * 1024 * 1024 * scale);

        // Warm both paths and check the line count claimed above.
        var lines = CountSampleLines(OursBytes());
        if (lines != Series)
        {
            throw new InvalidOperationException($"expected {Series:N0} sample lines, wrote {lines}");
        }

        PrometheusNet().GetAwaiter().GetResult();
        var theirLines = CountSampleLines(_promStream.ToArray());
        if (theirLines != Series)
        {
            throw new InvalidOperationException($"expected {Series:N0} prometheus-net sample lines, got {theirLines}");
        }

        // Twice: the SDK's cumulative points must all be exported again by a scrape with nothing new recorded.
        for (var scrape = 0; scrape < 2; scrape++)
        {
            OpenTelemetry().GetAwaiter().GetResult();
            var otelLines = CountSampleLines(_otelStream.ToArray());
            if (otelLines != Series)
            {
                throw new InvalidOperationException($"expected {Series:N0} OpenTelemetry sample lines, got {otelLines}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _otel.Dispose();

    [Benchmark(Baseline = true)]
    public int Ours()
    {
        _writer.Reset(openMetrics: false);
        _registry.WriteTo(_writer);
        return _writer.WrittenMemory.Length;
    }

    [Benchmark]
    public int Ours_OpenMetrics()
    {
        _writer.Reset(openMetrics: true);
        _registry.WriteTo(_writer);
        return _writer.WrittenMemory.Length;
    }

    [Benchmark]
    public async Task<long> PrometheusNet()
    {
        _promStream.SetLength(0);
        await _promRegistry.CollectAndExportAsTextAsync(_promStream);
        return _promStream.Length;
    }

    [Benchmark]
    public async Task<long> OpenTelemetry()
    {
        _otelStream.SetLength(0);
        var status = await _otel.ScrapeAsync(_otelStream);
        if (status != 200)
        {
            throw new InvalidOperationException($"OpenTelemetry's scrape answered {status}");
        }

        return _otelStream.Length;
    }

    private byte[] OursBytes()
    {
        Ours();
        return _writer.WrittenMemory.ToArray();
    }

    private static int CountSampleLines(byte[] text) =>
        System.Text.Encoding.UTF8.GetString(text).Split('\n').Count(static line => line.Length > 0 && line[0] != '#');
}
