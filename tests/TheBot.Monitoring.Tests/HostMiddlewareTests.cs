using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// The library in front of the middleware real hosts add (found by trying it on app shapes we did not write): a client
/// that hangs up, an output cache with a base policy, a global rate limiter and a path base.
/// </summary>
public sealed class HostMiddlewareTests
{
    [Fact]
    public async Task A_client_that_hangs_up_is_a_499_not_a_server_error()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/api/slow", async (CancellationToken aborted) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), aborted);
            return "late";
        }));

        // The client gives up after 0.3 s, as a user who navigates away does; the handler's await is cancelled.
        using (var impatient = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromMilliseconds(300) })
        {
            await Assert.ThrowsAnyAsync<TaskCanceledException>(() => impatient.GetStringAsync("/api/slow"));
        }

        (string, string)[] slow = [("method", "GET"), ("endpoint", "/api/slow")];
        var text = "";
        await TestHttp.WaitUntilAsync(async () => Exposition.Value(text = await app.ScrapeAsync(), "thebot_http_request_duration_seconds_count", slow) == 1,
            TimeSpan.FromSeconds(10), () => "the abandoned request was never recorded");
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", [.. slow, ("status", "499")]));
        Assert.Null(Exposition.Value(text, "thebot_http_requests_total", [.. slow, ("status", "500")]));
        // Nothing failed in the service: no exception counted.
        Assert.Null(Exposition.Value(text, "thebot_http_request_exceptions_total", ("exception_type", "TaskCanceledException")));
    }

    [Fact]
    public async Task A_host_output_cache_with_a_base_policy_caches_no_probe_and_no_scrape()
    {
        await using var app = await TestApp.StartAsync(a =>
            {
                ((WebApplication)a).UseOutputCache();
                a.MapGet("/api/hello", () => "hello");
            },
            services => services.AddOutputCache(o => o.AddBasePolicy(b => b.Expire(TimeSpan.FromSeconds(30)))),
            // No scrape token: loopback may scrape without one, and a request without Authorization is what the
            // output cache's default policy would cache.
            settings: new Dictionary<string, string?> { ["Monitoring:ScrapeToken"] = "" });

        var first = await CheckedAtAsync(app);
        await Task.Delay(50);
        Assert.NotEqual(first, await CheckedAtAsync(app));

        var before = await app.ScrapeAsync(token: null);
        Assert.Equal("hello", await app.Client.GetStringAsync("/api/hello"));
        var after = await app.ScrapeAsync(token: null);
        Assert.Equal(1, Exposition.Delta(before, after, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/hello"), ("status", "200")));
    }

    [Fact]
    public async Task A_host_global_rate_limiter_throttles_its_own_endpoints_not_the_probes_and_scrapes()
    {
        await using var app = await TestApp.StartAsync(a =>
            {
                ((WebApplication)a).UseRateLimiter();
                a.MapGet("/api/hello", () => "hello");
            },
            services => services.AddRateLimiter(o =>
            {
                o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetFixedWindowLimiter("everyone",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = 2, Window = TimeSpan.FromMinutes(5) }));
            }));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await app.Client.GetAsync("/api/hello");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        foreach (var probe in new[] { "readiness", "liveness", "health", "readiness" })
        {
            using var response = await app.Client.GetAsync($"/api/system/{probe}/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Contains("thebot_http_requests_total", await app.ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_generated_scrape_config_includes_the_path_base()
    {
        await using var app = await TestApp.StartAsync(a =>
        {
            var web = (WebApplication)a;
            web.UsePathBase("/svc");
            web.UseRouting();
        });

        using var response = await app.GetAsync("/svc/api/system/prometheus/config/", TestApp.AdminToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("metrics_path: /svc/api/system/metrics/prometheus/", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_management_port_the_system_endpoints_answer_only_there_whatever_the_host_header()
    {
        var management = TheBot.Stack.Ports.GetFree();
        await using var app = await TestApp.StartAsync(a => a.MapGet("/api/hello", () => "hello"),
            settings: new Dictionary<string, string?> { ["Monitoring:ManagementPort"] = $"{management}" },
            beforeMonitoring: builder => builder.WebHost.UseUrls("http://127.0.0.1:0", $"http://127.0.0.1:{management}"));
        using var internalPort = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{management}") };

        // The public port: the app's own endpoint answers, the system endpoints are not routed (a spoofed Host header
        // naming the management port changes nothing: the connection's local port decides).
        Assert.Equal("hello", await app.Client.GetStringAsync("/api/hello"));
        foreach (var path in new[] { "/api/system/readiness/", "/api/system/liveness/", "/api/system/metrics/prometheus/" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = $"127.0.0.1:{management}";
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestApp.ScrapeToken);
            using var refused = await app.Client.SendAsync(request);
            Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{path} on the public port answered {(int)refused.StatusCode}");
        }

        // The management port: probes and the token-gated scrape answer as usual.
        using (var readiness = await internalPort.GetAsync("/api/system/readiness/"))
        {
            Assert.Equal(HttpStatusCode.OK, readiness.StatusCode);
        }

        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/api/system/metrics/prometheus/");
        scrape.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestApp.ScrapeToken);
        using var scraped = await internalPort.SendAsync(scrape);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        var text = await scraped.Content.ReadAsStringAsync();
        Assert.Equal(3, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "unmatched"), ("status", "404")));
    }

    [Fact]
    public async Task A_management_port_the_server_does_not_listen_on_is_named_in_an_error_once_it_has_started()
    {
        var unheard = TheBot.Stack.Ports.GetFree();
        var logs = new CapturedLogs();
        await using var app = await TestApp.StartAsync(_ => { }, afterMonitoring: builder => builder.Logging.AddProvider(logs),
            settings: new Dictionary<string, string?> { ["Monitoring:ManagementPort"] = $"{unheard}" });

        // The host still serves its own endpoints; the error says why the system ones answer 404 everywhere.
        var error = Assert.Single(logs.At(LogLevel.Error));
        Assert.StartsWith($"Monitoring:ManagementPort is {unheard}, but the server listens on no such port (http://127.0.0.1:{app.Address.Port})", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_management_port_the_server_listens_on_logs_no_error()
    {
        var management = TheBot.Stack.Ports.GetFree();
        var logs = new CapturedLogs();
        await using var app = await TestApp.StartAsync(_ => { }, afterMonitoring: builder => builder.Logging.AddProvider(logs),
            settings: new Dictionary<string, string?> { ["Monitoring:ManagementPort"] = $"{management}" },
            beforeMonitoring: builder => builder.WebHost.UseUrls("http://127.0.0.1:0", $"http://127.0.0.1:{management}"));

        Assert.Empty(logs.At(LogLevel.Error));
    }

    [Theory]
    [InlineData("HTTP/1.0", null)] // HTTP/1.0 needs no Host header
    [InlineData("HTTP/1.1", "")] // an empty one is valid HTTP/1.1
    public async Task The_scrape_config_refuses_a_request_without_a_host_instead_of_an_empty_target(string version, string? host)
    {
        await using var app = await TestApp.StartAsync(_ => { });
        var request = new StringBuilder($"GET /api/system/prometheus/config/ {version}\r\n")
            .Append(host is null ? "" : $"Host: {host}\r\n")
            .Append($"Authorization: Bearer {TestApp.AdminToken}\r\nConnection: close\r\n\r\n")
            .ToString();

        var response = await RawHttpAsync(app.Address, request);
        // targets: [''] is a config Prometheus rejects: a 400 that says what to set, as for a Host that is no host:port.
        Assert.StartsWith($"HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", response, StringComparison.Ordinal);
        Assert.Contains("set Monitoring:PublicAddress", response, StringComparison.Ordinal);
    }

    /// <summary>Sends <paramref name="request"/> as it is (HttpClient always writes a Host) and reads the answer until the server closes.</summary>
    private static async Task<string> RawHttpAsync(Uri server, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    public async Task A_management_port_that_is_not_a_port_stops_the_host_naming_the_key(string port)
    {
        var failed = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestApp.StartAsync(_ => { },
            settings: new Dictionary<string, string?> { ["Monitoring:ManagementPort"] = port }, inMemory: true));
        Assert.Contains($"Monitoring:ManagementPort must be a TCP port (1-65535); it is {port}.", failed.Message, StringComparison.Ordinal);
    }

    private static async Task<string> CheckedAtAsync(TestApp app)
    {
        using var response = await app.Client.GetAsync("/api/system/readiness/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checked_at").GetString()!;
    }
}
