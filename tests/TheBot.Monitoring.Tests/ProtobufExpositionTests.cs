using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.Builder;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// The protobuf exposition, decoded by Google.Protobuf's reader: every family type with its labels and values, the
/// classic buckets and exemplars, the native spans and deltas, long messages, outside sources, and the endpoint
/// answering Prometheus' native-histograms Accept header with it (gzip included).
/// </summary>
public sealed class ProtobufExpositionTests
{
    private static List<PbFamily> Write(MetricRegistry registry)
    {
        var writer = new ExpositionWriter(ExpositionFormat.Protobuf);
        registry.WriteTo(writer);
        return ProtobufExpositionReader.Read(writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Counters_gauges_and_histograms_decode_with_their_names_help_types_labels_and_values()
    {
        var registry = new MetricRegistry();
        registry.Counter("c_total", "a counter", "route", "note").WithLabels("/a", "quote \" backslash \\ newline \n é").Inc(41);
        registry.Counter("c_total", "a counter", "route", "note").WithLabels("/a", "quote \" backslash \\ newline \n é").Inc();
        registry.Gauge("g", "a gauge").Unlabelled().Set(-2.5);
        var histogram = registry.Histogram("h_seconds", "a histogram", [0.1, 1], "route").WithLabels("/h");
        histogram.Observe(0.05);
        histogram.Observe(0.5);
        histogram.Observe(7);
        registry.Counter("never_total", "no series yet", "x");

        var families = Write(registry).ToDictionary(f => f.Name);

        Assert.Equal(["c_total", "g", "h_seconds"], families.Keys.Order(StringComparer.Ordinal)); // the empty family is left out
        var counter = Assert.Single(families["c_total"].Metrics);
        Assert.Equal((0, "a counter"), (families["c_total"].Type, families["c_total"].Help));
        Assert.Equal(42, counter.Counter);
        Assert.Equal("quote \" backslash \\ newline \n é", counter.Labels["note"]);
        Assert.Equal("/a", counter.Labels["route"]);
        Assert.Equal(1, families["g"].Type);
        Assert.Equal(-2.5, Assert.Single(families["g"].Metrics).Gauge);
        Assert.Empty(families["g"].Metrics[0].Labels);

        Assert.Equal(4, families["h_seconds"].Type);
        var decoded = Assert.Single(families["h_seconds"].Metrics).Histogram!;
        Assert.Equal(3UL, decoded.Count);
        Assert.Equal(7.55, decoded.Sum, 12);
        Assert.Equal([(0.1, 1UL), (1, 2UL)], decoded.Buckets.Select(b => (b.UpperBound, b.CumulativeCount)));
        Assert.Null(decoded.Schema); // a plain histogram has no native part, so Prometheus keeps reading it as classic
        Assert.Empty(decoded.PositiveSpans);
    }

    [Fact]
    public void A_duration_histogram_carries_schema_zero_bucket_and_spans_whose_deltas_give_back_every_count()
    {
        var registry = new MetricRegistry();
        var histogram = registry.DurationHistogram("d_seconds", "durations", [0.01, 0.1], "route").WithLabels("/d");
        // Storage keys 0 (×3), 1, 3 (gap of one: filled), 6 (gap of two: filled), 10 (gap of three: a new span), and -40.
        foreach (var key in new[] { 0, 0, 0, 1, 3, 6, 10, -40 })
        {
            histogram.Observe(NativeBuckets.UpperBound(key, 3));
        }

        histogram.Observe(0); // zero bucket

        var decoded = Assert.Single(Assert.Single(Write(registry)).Metrics).Histogram!;
        Assert.Equal(3, decoded.Schema);
        Assert.Equal(Math.ScaleB(1, -20), decoded.ZeroThreshold);
        Assert.Equal(1UL, decoded.ZeroCount);
        Assert.Equal(9UL, decoded.Count);
        // Spans: key -40 alone; 0..6 with the gaps at 2 and 4, 5 filled; 10 after a gap of three (offset 3 from key 7).
        Assert.Equal([(-40, 1), (39, 7), (3, 1)], decoded.PositiveSpans.Select(s => (s.Offset, (int)s.Length)));
        Assert.Equal([(-40, 1L), (0, 3L), (1, 1L), (2, 0L), (3, 1L), (4, 0L), (5, 0L), (6, 1L), (10, 1L)], decoded.PositiveBuckets());
    }

    [Fact]
    public void Spans_split_where_more_than_two_buckets_are_empty()
    {
        var registry = new MetricRegistry();
        var histogram = registry.DurationHistogram("d_seconds", "durations", [1]).Unlabelled();
        foreach (var key in new[] { 5, 9, 10 })
        {
            histogram.Observe(NativeBuckets.UpperBound(key, 3));
        }

        var decoded = Assert.Single(Assert.Single(Write(registry)).Metrics).Histogram!;
        Assert.Equal([(5, 1), (3, 2)], decoded.PositiveSpans.Select(s => (s.Offset, (int)s.Length)));
        Assert.Equal([1L, 0L, 0L], decoded.PositiveDeltas); // each count minus the previous: 1 − 0, 1 − 1, 1 − 1
        Assert.Equal([(5, 1L), (9, 1L), (10, 1L)], decoded.PositiveBuckets());
    }

    [Fact]
    public void The_native_part_matches_the_snapshot_at_a_reduced_schema_and_the_count_covers_every_bucket()
    {
        var registry = new MetricRegistry();
        var histogram = registry.DurationHistogram("d_seconds", "durations", [0.1, 1]).Unlabelled();
        var random = new Random(3);
        for (var i = 0; i < 5000; i++)
        {
            histogram.Observe(Math.Exp((random.NextDouble() * 26) - 13)); // ~37 octaves: more than 160 buckets at schema 3
        }

        var decoded = Assert.Single(Assert.Single(Write(registry)).Metrics).Histogram!;
        var snapshot = histogram.Native!.Snapshot();
        Assert.Equal(2, decoded.Schema);
        Assert.Equal(snapshot.Schema, decoded.Schema);
        Assert.Equal(snapshot.Keys.Zip(snapshot.Counts), decoded.PositiveBuckets().Where(b => b.Count > 0).Select(b => (b.Key, b.Count)));
        Assert.Equal(5000UL, decoded.Count);
        Assert.Equal(decoded.Count, decoded.ZeroCount + (ulong)decoded.PositiveBuckets().Sum(b => b.Count));
        Assert.InRange(decoded.PositiveBuckets().Count(b => b.Count > 0), NativeBuckets.DefaultMaxBuckets / 2, NativeBuckets.DefaultMaxBuckets);
    }

    [Fact]
    public void Long_families_get_multi_byte_length_prefixes_and_still_decode()
    {
        var registry = new MetricRegistry();
        var family = registry.Counter("many_total", "many series", "id");
        for (var i = 0; i < 2000; i++)
        {
            family.WithLabels("series-" + i).Inc(i);
        }

        var decoded = Assert.Single(Write(registry));
        Assert.Equal(2000, decoded.Metrics.Count);
        Assert.All(decoded.Metrics, m => Assert.Equal(double.Parse(m.Labels["id"]["series-".Length..], System.Globalization.CultureInfo.InvariantCulture), m.Counter));
    }

    [Fact]
    public void An_outside_source_writing_text_encoded_labels_comes_out_as_label_pairs()
    {
        var registry = new MetricRegistry();
        registry.AddSource(new OutsideSource());

        var family = Assert.Single(Write(registry));
        Assert.Equal(("outside", 1), (family.Name, family.Type));
        Assert.Equal(2, family.Metrics.Count);
        Assert.Equal("a \"b\" \\ c\nd", family.Metrics[0].Labels["k"]);
        Assert.Equal("2", family.Metrics[0].Labels["other"]);
        Assert.Equal(3.5, family.Metrics[0].Gauge);
        Assert.Empty(family.Metrics[1].Labels);
        Assert.Equal(9, family.Metrics[1].Gauge);
    }

    [Fact]
    public void Classic_buckets_carry_their_exemplar_with_trace_span_value_and_time()
    {
        var registry = new MetricRegistry { ExemplarsWanted = true };
        var histogram = registry.DurationHistogram("d_seconds", "durations", [0.1, 1]).Unlabelled();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var activity = new Activity("protobuf-exemplar").SetIdFormat(ActivityIdFormat.W3C).Start();
        histogram.Observe(0.5);

        var bucket = Assert.Single(Assert.Single(Write(registry)).Metrics).Histogram!.Buckets[1];
        Assert.NotNull(bucket.Exemplar);
        Assert.Equal(activity.TraceId.ToHexString(), bucket.Exemplar.Labels["trace_id"]);
        Assert.Equal(activity.SpanId.ToHexString(), bucket.Exemplar.Labels["span_id"]);
        Assert.Equal(0.5, bucket.Exemplar.Value);
        Assert.InRange(bucket.Exemplar.UnixMilliseconds, before - 20, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 20);
    }

    [Fact]
    public async Task The_endpoint_answers_prometheus_native_accept_with_gzipped_protobuf_holding_the_same_series_as_text()
    {
        await using var app = await TestApp.StartAsync(app => app.MapGet("/hello", () => "hi"));
        for (var i = 0; i < 3; i++)
        {
            await app.Client.GetAsync("/hello");
        }

        // A first scrape, so the scrape endpoint's own request series exists in every answer compared below; the text of
        // a second one is the lower bound of every family's series: process-wide families bridged from .NET meters (e.g.
        // dotnet_exceptions_total by exception type) gain a series whenever any test in this process throws a new
        // type, so they can grow between two scrapes; series are never removed.
        (await NegotiatedExpositionTests.ScrapeRawAsync(app.Address, "text/plain", null)).Dispose();
        // Each raw scrape closes its own connection, and Kestrel records the connection's duration when it sees the
        // close, after the answer: the warm-up's close must be in before the lower bound is taken, or
        // kestrel_connection_duration_seconds appears between the two scrapes compared below. (app.Client keeps its
        // connection, so waiting through it closes none; later closes add to the same series.)
        await TheBot.Testing.TestHttp.WaitUntilAsync(
            async () => Exposition.Samples(await app.ScrapeAsync(), "kestrel_connection_duration_seconds").Count > 0,
            TimeSpan.FromSeconds(5), () => "Kestrel did not record the warm-up scrape's connection");
        using var firstResponse = await NegotiatedExpositionTests.ScrapeRawAsync(app.Address, "text/plain", null);
        var before = (await firstResponse.Content.ReadAsStringAsync()).Split('\n');
        using var response = await NegotiatedExpositionTests.ScrapeRawAsync(app.Address, ExpositionNegotiationTests.Prometheus242NativeAccept, "gzip");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ExpositionWriter.ProtobufContentType, response.Content.Headers.ContentType?.ToString());
        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        var compressed = await response.Content.ReadAsByteArrayAsync();
        using var gunzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var body = new MemoryStream();
        await gunzip.CopyToAsync(body);
        var families = ProtobufExpositionReader.Read(body.ToArray()).ToDictionary(f => f.Name);

        using var textResponse = await NegotiatedExpositionTests.ScrapeRawAsync(app.Address, "text/plain", null);
        var text = await textResponse.Content.ReadAsStringAsync();

        // Every family with a sample in text is in protobuf, of the same type, with as many series as the text scrapes
        // before and after it had (or, for a family that grew in between, a count between the two).
        var lines = text.Split('\n');
        static int SeriesIn(string[] scrape, string sampleName) =>
            scrape.Count(l => l.StartsWith(sampleName + "{", StringComparison.Ordinal) || l.StartsWith(sampleName + " ", StringComparison.Ordinal));
        foreach (var type in lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')))
        {
            var (name, kind) = (type[2], type[3]);
            var sampleName = kind == "histogram" ? name + "_count" : name;
            var series = SeriesIn(lines, sampleName);
            var earlier = SeriesIn(before, sampleName);
            var inProtobuf = families.TryGetValue(name, out var family) ? family.Metrics.Count : 0;
            Assert.True(earlier <= inProtobuf && inProtobuf <= series, $"{name}: {inProtobuf} series in protobuf, {earlier} in the text scrape before it and {series} in the one after");
            Assert.True(earlier == series || name.StartsWith("dotnet_", StringComparison.Ordinal), $"{name} grew from {earlier} to {series} series between two scrapes, and it is not a process-wide .NET family");
            if (series > 0 && inProtobuf > 0)
            {
                Assert.Equal(kind switch { "counter" => 0, "gauge" => 1, _ => 4 }, family!.Type);
            }
        }

        var requests = families["thebot_http_requests_total"].Metrics.Single(m => m.Labels.GetValueOrDefault("endpoint") == "/hello");
        Assert.Equal(3, requests.Counter);
        var duration = families["thebot_http_request_duration_seconds"].Metrics.Single(m => m.Labels["endpoint"] == "/hello").Histogram!;
        Assert.Equal(3UL, duration.Count);
        Assert.Equal(3, duration.Schema);
        Assert.Equal(3L, duration.PositiveBuckets().Sum(b => b.Count) + (long)duration.ZeroCount);
        Assert.Equal(Exposition.Value(text, "thebot_http_request_duration_seconds_sum", [("method", "GET"), ("endpoint", "/hello")]), duration.Sum);
    }

    private sealed class OutsideSource : IMetricSource
    {
        public void Write(ExpositionWriter writer)
        {
            writer.WriteHeader("outside", "from elsewhere", MetricType.Gauge);
            writer.WriteSample("outside"u8, ExpositionWriter.EncodeLabels(["k", "other"], ["a \"b\" \\ c\nd", "2"]), 3.5);
            writer.WriteSample("outside"u8, [], 9L);
        }
    }
}
