using System.Text;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// OpenMetrics requires <c>le</c> (and <c>quantile</c>) values to be canonical numbers — <c>le="1.0"</c>, not
/// <c>le="1"</c> — while the text format 0.0.4 has always been read as written (Prometheus 2 stores "1"). Each format
/// gets its own spelling, checked byte for byte and against python3-prometheus-client's canonical form.
/// </summary>
public sealed class CanonicalBucketBoundTests
{
    // Whole numbers, fractions, the points where Go switches to exponents (1e-05, 1e+06) and a long mantissa.
    private static readonly double[] Bounds = [1e-05, 0.0001, 0.005, 0.25, 1, 2.5, 10, 300, 123456, 1e6, 1234567.5, 1e21];

    private static string Write(MetricRegistry registry, ExpositionFormat format)
    {
        var writer = new ExpositionWriter(format);
        registry.WriteTo(writer);
        return Encoding.UTF8.GetString(writer.WrittenMemory.Span);
    }

    [Fact]
    public async Task FormatCanonical_spells_every_number_as_the_python_client_does()
    {
        double[] values = [.. Bounds, .. HttpMetrics.DefaultDurationBuckets, 0.1, 0.5, 0.95, 0.99, 0.999, 1.5e-7, 7200, 99999.5, 1e16, 3.0e-5, 0.1 + 0.2];
        var expected = await ExpositionParsers.PythonCanonicalAsync(values);

        Assert.Equal(expected, values.Select(ExpositionWriter.FormatCanonical));
        Assert.Equal("+Inf", ExpositionWriter.FormatCanonical(double.PositiveInfinity));
        Assert.Equal("0.0", ExpositionWriter.FormatCanonical(0));
        Assert.Equal("-2.0", ExpositionWriter.FormatCanonical(-2));

        // Between 1e+10 and 1e+16 the client pads the exponent wrongly ("1e+015"); Go, and Prometheus, write 1e+15.
        Assert.Equal("1e+15", ExpositionWriter.FormatCanonical(1e15));
        Assert.Equal("1.5e+10", ExpositionWriter.FormatCanonical(1.5e10));
    }

    [Fact]
    public void OpenMetrics_writes_canonical_bounds_and_the_text_format_keeps_its_spelling()
    {
        var registry = new MetricRegistry();
        var histogram = registry.Histogram("wait_seconds", "waits", [0.005, 1, 2.5, 10], "queue").WithLabels("mail");
        histogram.Observe(0.5);
        histogram.Observe(3);

        var openMetrics = Write(registry, ExpositionFormat.OpenMetrics);
        var text = Write(registry, ExpositionFormat.Text);

        Assert.Contains("""
            wait_seconds_bucket{queue="mail",le="0.005"} 0
            wait_seconds_bucket{queue="mail",le="1.0"} 1
            wait_seconds_bucket{queue="mail",le="2.5"} 1
            wait_seconds_bucket{queue="mail",le="10.0"} 2
            wait_seconds_bucket{queue="mail",le="+Inf"} 2

            """.ReplaceLineEndings("\n"), openMetrics);
        Assert.Contains("""
            wait_seconds_bucket{queue="mail",le="0.005"} 0
            wait_seconds_bucket{queue="mail",le="1"} 1
            wait_seconds_bucket{queue="mail",le="2.5"} 1
            wait_seconds_bucket{queue="mail",le="10"} 2
            wait_seconds_bucket{queue="mail",le="+Inf"} 2

            """.ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public async Task The_strict_parser_accepts_our_openmetrics_bounds_and_refuses_the_text_spelling_in_openmetrics()
    {
        var registry = new MetricRegistry();
        registry.Histogram("spread_seconds", "every kind of bound", Bounds).WithLabels().Observe(2);
        registry.Histogram("request_seconds", "the default HTTP bounds", HttpMetrics.DefaultDurationBuckets, "route").WithLabels("/a").Observe(0.3);

        var openMetrics = Write(registry, ExpositionFormat.OpenMetrics);
        var (families, _) = await ExpositionParsers.PythonParseAsync(openMetrics, openMetrics: true);
        Assert.Equal(2, families);
        Assert.Equal("", await ExpositionParsers.PromtoolFindingsAsync(Write(registry, ExpositionFormat.Text)));

        // The same exposition with the text format's spelling of one bound: the check above can fail.
        var uncanonical = openMetrics.Replace("le=\"1.0\"", "le=\"1\"", StringComparison.Ordinal);
        Assert.NotEqual(openMetrics, uncanonical);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ExpositionParsers.PythonParseAsync(uncanonical, openMetrics: true));
        Assert.Contains("not canonical", refused.Message, StringComparison.Ordinal);
    }
}
