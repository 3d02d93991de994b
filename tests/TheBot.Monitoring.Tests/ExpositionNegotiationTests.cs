using Microsoft.AspNetCore.Http;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.SystemEndpoints;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>How Accept, Accept-Encoding and the scrape-timeout header are read, header by header.</summary>
public sealed class ExpositionNegotiationTests
{
    /// <summary>What Prometheus 2.42 sends on every scrape.</summary>
    public const string Prometheus242Accept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    public static TheoryData<string?, bool> Accepts => new()
    {
        { Prometheus242Accept, true },
        { null, false },
        { "", false },
        { "*/*", false },
        { "text/plain", false },
        { "text/plain; version=0.0.4", false },
        { "application/openmetrics-text", true },
        { "application/openmetrics-text; version=1.0.0; charset=utf-8", true },
        { "APPLICATION/OpenMetrics-Text;Version=1.0.0", true },
        // A version we cannot produce is not a match, so the text format (via */*) wins.
        { "application/openmetrics-text;version=2.0.0,*/*;q=0.1", false },
        { "application/openmetrics-text;version=0.0.1", false },
        // Quality decides, not order.
        { "text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.9", true },
        { "application/openmetrics-text;q=0.4,text/plain;q=0.6", false },
        // q=0 refuses a format outright.
        { "application/openmetrics-text;q=0,*/*", false },
        { "text/plain;q=0,application/openmetrics-text;q=0.1", true },
        // Same quality: the first listed wins.
        { "application/openmetrics-text;q=0.5,text/plain;q=0.5", true },
        { "text/plain;q=0.5,application/openmetrics-text;q=0.5", false },
        // The most specific range gives a format its quality, whatever the wildcard says.
        { "application/openmetrics-text;q=0.2,application/*;q=1,text/plain;q=0.5", false },
        { "application/*", true },
        // Malformed pieces are ignored, not fatal.
        { "garbage,;;,/,application/openmetrics-text;q=abc", false },
        { "garbage, application/openmetrics-text", true },
    };

    [Theory]
    [MemberData(nameof(Accepts))]
    public void Accept_is_read_with_versions_and_q_values(string? accept, bool openMetrics) =>
        Assert.Equal(openMetrics, ExpositionNegotiation.PrefersOpenMetrics(accept));

    /// <summary>What Prometheus 2.42 sends when started with <c>--enable-feature=native-histograms</c> (captured from it).</summary>
    public const string Prometheus242NativeAccept =
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    public static TheoryData<string?, ExpositionFormat> Formats => new()
    {
        { Prometheus242NativeAccept, ExpositionFormat.Protobuf },
        { Prometheus242Accept, ExpositionFormat.OpenMetrics },
        { null, ExpositionFormat.Text },
        { "*/*", ExpositionFormat.Text },
        // Never binary through a wildcard: a browser or curl without Accept reads text.
        { "application/*", ExpositionFormat.OpenMetrics },
        { "application/vnd.google.protobuf", ExpositionFormat.Protobuf },
        { "Application/Vnd.Google.Protobuf; Proto=io.prometheus.client.MetricFamily; Encoding=delimited", ExpositionFormat.Protobuf },
        // Another message or the text/compact-text protobuf encodings are formats we do not write.
        { "application/vnd.google.protobuf;proto=other.Message;encoding=delimited,text/plain;q=0.1", ExpositionFormat.Text },
        { "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text,text/plain;q=0.1", ExpositionFormat.Text },
        { "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=compact-text", ExpositionFormat.Text },
        // Quality, then order, decides between all three.
        { "application/vnd.google.protobuf;q=0.5,application/openmetrics-text;q=0.6", ExpositionFormat.OpenMetrics },
        { "application/vnd.google.protobuf;q=0.5,text/plain;q=0.6", ExpositionFormat.Text },
        { "application/openmetrics-text;q=0.5,application/vnd.google.protobuf;q=0.5", ExpositionFormat.OpenMetrics },
        { "application/vnd.google.protobuf;q=0.5,application/openmetrics-text;q=0.5", ExpositionFormat.Protobuf },
        { "application/vnd.google.protobuf;q=0,*/*", ExpositionFormat.Text },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Protobuf_is_chosen_only_when_named_and_preferred(string? accept, ExpositionFormat format) =>
        Assert.Equal(format, ExpositionNegotiation.Choose(accept));

    [Theory]
    [InlineData("gzip", true)]
    [InlineData("gzip, deflate, br", true)]
    [InlineData("GZIP;q=0.5", true)]
    [InlineData("x-gzip", true)]
    [InlineData("*", true)]
    [InlineData("identity", false)]
    [InlineData("gzip;q=0", false)]
    [InlineData("gzip;q=0, *", false)]
    [InlineData("*;q=0", false)]
    [InlineData("br, deflate", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Accept_encoding_turns_gzip_on_only_when_allowed(string? acceptEncoding, bool gzip) =>
        Assert.Equal(gzip, ExpositionNegotiation.AcceptsGzip(acceptEncoding));

    [Theory]
    [InlineData("10", 10_000)]
    [InlineData("0.5", 500)]
    [InlineData("2.75", 2_750)]
    [InlineData("0", null)]
    [InlineData("-3", null)]
    [InlineData("ten", null)]
    [InlineData("1e9", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void The_scrape_timeout_header_is_used_only_when_it_makes_sense(string? header, int? milliseconds) =>
        Assert.Equal(milliseconds is null ? null : TimeSpan.FromMilliseconds(milliseconds.Value), ExpositionNegotiation.ParseTimeout(header));

    [Fact]
    public void The_gate_wait_stays_inside_the_scrapers_timeout()
    {
        Assert.Equal(TimeSpan.FromSeconds(8), ExpositionEndpoint.GateWait(TimeSpan.FromSeconds(10)));
        Assert.Equal(TimeSpan.FromMilliseconds(50), ExpositionEndpoint.GateWait(TimeSpan.FromMilliseconds(10)));
        Assert.Equal(ExpositionEndpoint.DefaultGateWait, ExpositionEndpoint.GateWait(null));
    }

    [Fact]
    public void A_scrape_with_other_headers_than_the_last_is_negotiated_afresh()
    {
        var endpoint = new ExpositionEndpoint(new MetricRegistry());
        static HeaderDictionary Headers(string accept, string encoding, string timeout) => new()
        {
            ["Accept"] = accept,
            ["Accept-Encoding"] = encoding,
            [ExpositionNegotiation.ScrapeTimeoutHeader] = timeout,
        };

        Assert.Equal(new ExpositionNegotiation(ExpositionFormat.OpenMetrics, true, TimeSpan.FromSeconds(10)), endpoint.Negotiate(Headers(Prometheus242Accept, "gzip", "10")));
        Assert.Equal(new ExpositionNegotiation(ExpositionFormat.OpenMetrics, true, TimeSpan.FromSeconds(10)), endpoint.Negotiate(Headers(Prometheus242Accept, "gzip", "10")));
        Assert.Equal(new ExpositionNegotiation(ExpositionFormat.OpenMetrics, true, TimeSpan.FromSeconds(2)), endpoint.Negotiate(Headers(Prometheus242Accept, "gzip", "2")));
        Assert.Equal(new ExpositionNegotiation(ExpositionFormat.OpenMetrics, false, TimeSpan.FromSeconds(2)), endpoint.Negotiate(Headers(Prometheus242Accept, "identity", "2")));
        Assert.Equal(new ExpositionNegotiation(ExpositionFormat.Text, false, TimeSpan.FromSeconds(2)), endpoint.Negotiate(Headers("text/plain", "identity", "2")));
        Assert.Equal(new ExpositionNegotiation(ExpositionFormat.Text, false, null), endpoint.Negotiate(new HeaderDictionary()));
    }
}
