using System.Diagnostics;
using TheBot.Monitoring.Metrics;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>The one exposition reader the suites share (tests/TheBot.Testing/ExpositionSamples.cs) reads what writers write.</summary>
public class ExpositionSamplesTests
{
    [Fact]
    public void Labels_with_spaces_braces_and_quotes_a_timestamp_and_an_exemplar_do_not_move_the_value()
    {
        const string text = """
            # HELP x_total things
            # TYPE x_total counter
            x_total{route="/a b/{id}",note="say \"hi\" } there"} 3 1700000000000
            x_bucket{le="+Inf"} 7 # {trace_id="0af7"} 0.5 1700000000.1
            up 1
            nan_gauge NaN
            inf_gauge +Inf

            """;
        var samples = ExpositionSamples.Read(text).ToList();

        Assert.Equal(["x_total", "x_bucket", "up", "nan_gauge", "inf_gauge"], samples.Select(s => s.Name));
        Assert.Equal(3, samples[0].Value);
        Assert.Equal("/a b/{id}", samples[0].Label("route"));
        Assert.Equal("say \"hi\" } there", samples[0].Label("note"));
        Assert.Null(samples[0].Label("status"));
        Assert.Equal(7, samples[1].Value);
        Assert.Equal("+Inf", samples[1].Label("le"));
        Assert.Equal("up", samples[2].Series);
        Assert.Null(samples[2].Label("le"));
        Assert.True(double.IsNaN(samples[3].Value));
        Assert.Equal(double.PositiveInfinity, samples[4].Value);
        Assert.Equal(3, ExpositionSamples.Series(text)["x_total{route=\"/a b/{id}\",note=\"say \\\"hi\\\" } there\"}"]);
        Assert.Equal(1, ExpositionSamples.First(text, "up"));
        Assert.Null(ExpositionSamples.First(text, "x"));
    }

    [Theory]
    [InlineData("x_total{route=\"/a\" 3", "label set not closed")]
    [InlineData("x_total{route=\"/a\"}", "no value")]
    [InlineData("x_total{route=\"/a\"} three", "no value")]
    public void A_line_that_is_not_a_sample_is_an_error_that_quotes_it(string line, string reason)
    {
        var error = Assert.Throws<FormatException>(() => ExpositionSamples.ParseLine(line));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains(line, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Our_writer_in_both_formats_reads_back_to_the_values_recorded()
    {
        var registry = new MetricRegistry { ExemplarsWanted = true };
        registry.Counter("jobs_total", "jobs", "queue").WithLabels("mail \"bulk\"").Inc(5);
        var histogram = registry.HistogramWithExemplars("d_seconds", "durations", [0.1, 1], "route").WithLabels("/x");
        using (var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            histogram.Observe(0.05);
            histogram.Observe(0.5);
        }

        foreach (var openMetrics in new[] { false, true })
        {
            var writer = new ExpositionWriter(openMetrics);
            registry.WriteTo(writer);
            var samples = ExpositionSamples.Read(System.Text.Encoding.UTF8.GetString(writer.WrittenMemory.Span)).ToList();

            var jobs = Assert.Single(samples, s => s.Name == "jobs_total");
            Assert.Equal(5, jobs.Value);
            Assert.Equal("mail \"bulk\"", jobs.Label("queue"));
            Assert.Equal(2, Assert.Single(samples, s => s.Name == "d_seconds_count").Value);
            Assert.Equal(1, Assert.Single(samples, s => s.Name == "d_seconds_bucket" && s.Label("le") is "0.1").Value);
            Assert.Equal(2, Assert.Single(samples, s => s.Name == "d_seconds_bucket" && s.Label("le") is "+Inf").Value);
        }
    }
}
