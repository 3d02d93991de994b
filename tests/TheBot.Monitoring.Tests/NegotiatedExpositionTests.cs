using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// The metrics endpoint answers what each scraper negotiated (OpenMetrics or text, gzip or not), both formats pass
/// promtool and python3-prometheus-client's parsers, and a real Prometheus 2.42 ingests both.
/// </summary>
public sealed class NegotiatedExpositionTests
{
    private const string MetricsPath = "/api/system/metrics/prometheus/";

    private static void MapHello(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app)
    {
        app.MapGet("/hello", () => "hi");
        app.MapGet("/fail", () => TypedResults.StatusCode(500));
    }

    public static TheoryData<string, string?, bool, bool> Negotiations => new()
    {
        { ExpositionNegotiationTests.Prometheus242Accept, "gzip", true, true },
        { ExpositionNegotiationTests.Prometheus242Accept, null, true, false },
        { "text/plain;version=0.0.4", "gzip", false, true },
        { "text/plain;version=0.0.4", null, false, false },
        { "*/*", "identity", false, false },
    };

    [Theory]
    [MemberData(nameof(Negotiations))]
    public async Task Each_negotiated_format_is_served_and_passes_promtool_and_the_python_parsers(string accept, string? acceptEncoding, bool openMetrics, bool gzip)
    {
        await using var app = await TestApp.StartAsync(MapHello);
        await app.Client.GetAsync("/hello");
        await app.Client.GetAsync("/fail");

        using var response = await ScrapeRawAsync(app.Address, accept, acceptEncoding);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(openMetrics ? "application/openmetrics-text" : "text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(openMetrics ? "1.0.0" : "0.0.4", response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "version").Value);
        Assert.Equal(gzip ? ["gzip"] : [], response.Content.Headers.ContentEncoding);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Contains("Accept-Encoding", string.Join(",", response.Headers.Vary));

        var text = System.Text.Encoding.UTF8.GetString(gzip ? Gunzip(body) : body);
        Assert.Equal(openMetrics, text.EndsWith("# EOF\n", StringComparison.Ordinal));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/fail"), ("status", "500")));
        if (gzip)
        {
            Assert.True(body.Length * 3 < text.Length, $"gzip kept {body.Length} of {text.Length} bytes");
        }

        Assert.Equal("", await ExpositionParsers.PromtoolFindingsAsync(text));
        var (families, _) = await ExpositionParsers.PythonParseAsync(text, openMetrics);
        Assert.True(families > 10, $"the parser found only {families} families");
    }

    [Fact]
    public async Task Scrapers_taking_turns_on_one_server_each_get_what_they_negotiated()
    {
        // The endpoint keeps the last scrape's negotiation for the next one with the same headers: a change in any of
        // the three must be read afresh, in either direction.
        await using var app = await TestApp.StartAsync(MapHello);
        var turns = new (string Accept, string? Encoding, string MediaType, bool Gzip)[]
        {
            (ExpositionNegotiationTests.Prometheus242Accept, "gzip", "application/openmetrics-text", true),
            (ExpositionNegotiationTests.Prometheus242Accept, "gzip", "application/openmetrics-text", true),
            ("text/plain;version=0.0.4", "gzip", "text/plain", true),
            ("text/plain;version=0.0.4", null, "text/plain", false),
            (ExpositionNegotiationTests.Prometheus242Accept, null, "application/openmetrics-text", false),
            (ExpositionNegotiationTests.Prometheus242Accept, "gzip", "application/openmetrics-text", true),
        };
        foreach (var (accept, encoding, mediaType, gzip) in turns)
        {
            using var response = await ScrapeRawAsync(app.Address, accept, encoding);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(gzip ? ["gzip"] : [], response.Content.Headers.ContentEncoding);
        }
    }

    [Fact]
    public async Task The_python_openmetrics_parser_refuses_the_text_format_so_the_check_above_can_fail()
    {
        await using var app = await TestApp.StartAsync(MapHello);
        await app.Client.GetAsync("/hello");
        using var response = await ScrapeRawAsync(app.Address, "text/plain", null);
        var text = await response.Content.ReadAsStringAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => ExpositionParsers.PythonParseAsync(text, openMetrics: true));
    }

    [Trait(TestCategory.Name, TestCategory.RealServers)]
    [Fact]
    public async Task A_real_prometheus_ingests_both_formats_with_gzip()
    {
        await using var app = await TestApp.StartAsync(MapHello);
        await app.Client.GetAsync("/hello");

        // Prometheus 2.42 always offers OpenMetrics first; to make it scrape the text format too, one job goes through
        // a relay that rewrites Accept to text only. Both jobs go through the relay so it can tell what each received.
        await using var relay = await AcceptRelay.StartAsync(app.Address);
        var config = $$"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: negotiated
                metrics_path: /negotiated{{MetricsPath}}
                authorization: { type: Bearer, credentials: {{TestApp.ScrapeToken}} }
                static_configs: [{ targets: ['{{relay.Address.Authority}}'] }]
              - job_name: text-only
                metrics_path: /text-only{{MetricsPath}}
                authorization: { type: Bearer, credentials: {{TestApp.ScrapeToken}} }
                static_configs: [{ targets: ['{{relay.Address.Authority}}'] }]
            """;
        await using var prometheus = await PrometheusServer.StartNewAsync(config);
        await prometheus.WaitForTargetUpAsync("negotiated");
        await prometheus.WaitForTargetUpAsync("text-only");

        foreach (var job in new[] { "negotiated", "text-only" })
        {
            await TestHttp.WaitUntilAsync(async () =>
                (await prometheus.QueryAsync($"thebot_http_requests_total{{job=\"{job}\",endpoint=\"/hello\",status=\"200\"}}")).GetArrayLength() == 1,
                TimeSpan.FromSeconds(20), () => $"job {job}: the GET /hello series was not ingested");
            var buckets = await prometheus.QueryAsync($"count(thebot_http_request_duration_seconds_bucket{{job=\"{job}\",endpoint=\"/hello\"}})");
            Assert.Equal("12", buckets[0].GetProperty("value")[1].GetString());
        }

        Assert.Equal(["application/openmetrics-text; version=1.0.0; charset=utf-8 gzip"], relay.Seen("negotiated"));
        Assert.Equal(["text/plain; version=0.0.4; charset=utf-8 gzip"], relay.Seen("text-only"));
    }

    internal static async Task<HttpResponseMessage> ScrapeRawAsync(Uri address, string accept, string? acceptEncoding)
    {
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Get, MetricsPath);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.ScrapeToken);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (acceptEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>
    /// Forwards <c>/{mode}/path</c> to the app unchanged except Accept, which <c>text-only</c> replaces with the text
    /// format alone; remembers the Content-Type and Content-Encoding each mode got back, and passes the bytes on as they are.
    /// </summary>
    private sealed class AcceptRelay : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _seen = new();

        private AcceptRelay(WebApplication app) => _app = app;

        public Uri Address => new(_app.Urls.First());

        public static async Task<AcceptRelay> StartAsync(Uri target)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var relay = new AcceptRelay(app);
            var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None });
            app.Run(async context =>
            {
                var path = context.Request.Path.Value!;
                var mode = path.Split('/')[1];
                using var forwarded = new HttpRequestMessage(HttpMethod.Get, new Uri(target, path[(mode.Length + 1)..]));
                forwarded.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
                forwarded.Headers.TryAddWithoutValidation("Accept-Encoding", context.Request.Headers.AcceptEncoding.ToString());
                forwarded.Headers.TryAddWithoutValidation("Accept", mode == "text-only" ? "text/plain;version=0.0.4" : context.Request.Headers.Accept.ToString());
                using var answer = await client.SendAsync(forwarded);
                var encoding = string.Join(",", answer.Content.Headers.ContentEncoding);
                relay._seen.GetOrAdd(mode, _ => new())[$"{answer.Content.Headers.ContentType} {encoding}".Trim()] = 0;
                context.Response.StatusCode = (int)answer.StatusCode;
                context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
                if (encoding.Length > 0)
                {
                    context.Response.Headers.ContentEncoding = encoding;
                }

                await answer.Content.CopyToAsync(context.Response.Body);
            });
            await app.StartAsync();
            return relay;
        }

        public IReadOnlyList<string> Seen(string mode) => _seen.TryGetValue(mode, out var seen) ? [.. seen.Keys.Order(StringComparer.Ordinal)] : [];

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
