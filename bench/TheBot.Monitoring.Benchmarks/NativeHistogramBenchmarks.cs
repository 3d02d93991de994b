using System.Diagnostics;
using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Benchmarks;

/// <summary>
/// What native buckets cost. Observation: the HTTP duration histogram as it was (classic buckets, exemplars switched
/// off) against the same with native buckets (<see cref="MetricRegistry.DurationHistogram"/>), for one fixed duration
/// and for durations cycling through a log-normal spread (so neither the classic bucket scan nor the native index is
/// helped by a predictable branch). Exposition: a backend-shaped registry (HTTP families for 25 routes × 2 methods,
/// DB families for 15 operation/table pairs, log-normal latencies) written in each format; the sizes, raw and gzipped,
/// are printed once by the setup.
/// </summary>
[MemoryDiagnoser]
public class NativeHistogramBenchmarks
{
    private const int Spread = 1024;

    private readonly long[] _ticks = new long[Spread];
    private Histogram _classic = null!;
    private Histogram _native = null!;
    private MetricRegistry _platform = null!;
    private ExpositionWriter _writer = null!;
    private long _fixed;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        string[] labels = ["method", "endpoint"];
        var buckets = HttpMetrics.DefaultDurationBuckets;
        _classic = new MetricRegistry().HistogramWithExemplars("classic_seconds", "h", buckets, labels).WithLabels("GET", "/api/assignments/{id}");
        _native = new MetricRegistry().DurationHistogram("native_seconds", "h", buckets, labels).WithLabels("GET", "/api/assignments/{id}");
        _fixed = Stopwatch.Frequency / 1000 * 3; // 3 ms
        var random = new Random(42);
        for (var i = 0; i < Spread; i++)
        {
            _ticks[i] = (long)(LogNormal(random, 0.030, 1.0) * Stopwatch.Frequency);
        }

        _platform = PlatformRegistry();
        _writer = new ExpositionWriter();
        foreach (var format in Enum.GetValues<ExpositionFormat>())
        {
            _writer.Reset(format);
            _platform.WriteTo(_writer);
            Console.WriteLine($"// exposition {format}: {_writer.WrittenMemory.Length} bytes, gzip (fastest) {Gzipped(_writer.WrittenMemory.Span)} bytes");
        }
    }

    [Benchmark(Baseline = true)]
    public void Observe_Classic_Fixed() => _classic.ObserveTicks(_fixed);

    [Benchmark]
    public void Observe_ClassicPlusNative_Fixed() => _native.ObserveTicks(_fixed);

    [Benchmark]
    public void Observe_Classic_Spread() => _classic.ObserveTicks(_ticks[_next++ & (Spread - 1)]);

    [Benchmark]
    public void Observe_ClassicPlusNative_Spread() => _native.ObserveTicks(_ticks[_next++ & (Spread - 1)]);

    [Benchmark]
    public int Expose_Text() => Expose(ExpositionFormat.Text);

    [Benchmark]
    public int Expose_OpenMetrics() => Expose(ExpositionFormat.OpenMetrics);

    [Benchmark]
    public int Expose_Protobuf() => Expose(ExpositionFormat.Protobuf);

    private int Expose(ExpositionFormat format)
    {
        _writer.Reset(format);
        _platform.WriteTo(_writer);
        return _writer.WrittenMemory.Length;
    }

    /// <summary>The families a backend instance serves for its HTTP routes and database queries, with realistic latencies.</summary>
    internal static MetricRegistry PlatformRegistry()
    {
        var registry = new MetricRegistry();
        var http = new HttpMetrics(registry);
        var db = new DbMetrics(registry, new SqlClassifier());
        var random = new Random(7);
        for (var r = 0; r < 25; r++)
        {
            foreach (var method in new[] { "GET", "POST" })
            {
                var route = $"/api/resource{r}/{{id}}";
                foreach (var status in new[] { "200", "404", "500" })
                {
                    http.Requests.WithLabels(method, route, status).Inc(random.Next(1, 100_000));
                }

                var duration = http.Duration.WithLabels(method, route);
                for (var i = 0; i < 2000; i++)
                {
                    duration.Observe(LogNormal(random, 0.040, 0.8));
                }
            }
        }

        for (var q = 0; q < 15; q++)
        {
            var labels = new[] { "thebot", q % 4 == 0 ? "INSERT" : "SELECT", $"table{q}" };
            db.Queries.WithLabels(labels).Inc(random.Next(1, 100_000));
            var duration = db.Duration.WithLabels(labels);
            for (var i = 0; i < 2000; i++)
            {
                duration.Observe(LogNormal(random, 0.002, 1.0));
            }
        }

        http.InFlight.Set(3);
        return registry;
    }

    private static double LogNormal(Random random, double median, double sigma)
    {
        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return median * Math.Exp(sigma * normal);
    }

    private static long Gzipped(ReadOnlySpan<byte> body)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return compressed.Length;
    }
}
