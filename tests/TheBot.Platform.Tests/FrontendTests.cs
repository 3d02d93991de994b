using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using TheBot.Routing;
using TheBot.Platform.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Platform.Tests;

/// <summary>The frontend host: its page, the proxy of /api and /ws, and its own metrics, health and system endpoints.</summary>
[Collection(PlatformCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class FrontendTests(FullPlatformFixture platform)
{
    private string Frontend => platform.Frontend!.Url;

    [Fact]
    public async Task Serves_the_page_and_proxies_api_and_websockets_with_its_own_metrics()
    {
        var before = await ScrapeFrontendAsync();
        var page = await platform.Http.GetStringAsync(Frontend + "/");
        Assert.Contains("THE_BOT", page, StringComparison.Ordinal);
        Assert.Contains("/ws/chat/", await platform.Http.GetStringAsync(Frontend + "/app.js"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await platform.GetAsync("/no/such/page", Frontend)).Status);

        var user = await platform.CreateUserAsync();
        var (status, direct, _) = await platform.GetAsync($"/api/users/{user}");
        var (proxiedStatus, proxied, _) = await platform.GetAsync($"/api/users/{user}", Frontend);
        Assert.Equal(status, proxiedStatus);
        Assert.Equal(direct.GetRawText(), proxied.GetRawText());
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/courses", Frontend)).Status);

        // A write through the proxy reaches the backend's database.
        var email = $"{Guid.NewGuid():N}@example.org";
        var (created, createdUser, _) = await platform.SendAsync(HttpMethod.Post, "/api/users", new { name = "Via Frontend", email, role = "student" }, Frontend);
        Assert.Equal(HttpStatusCode.Created, created);
        var (_, stored, _) = await platform.GetAsync($"/api/users/{createdUser.GetProperty("id").GetInt64()}");
        Assert.Equal(email, stored.GetProperty("email").GetString());

        await using (var socket = await ChatClient.ConnectAsync(Frontend, "via-frontend", user))
        {
            await socket.SendAsync("through the proxy");
            Assert.Equal("through the proxy", (await socket.ReceiveAsync("message")).GetProperty("message").GetProperty("text").GetString());
            await socket.CloseAsync();
        }

        var after = await ScrapeFrontendAsync();
        Assert.Contains(after.Series.Keys, k => k.StartsWith("thebot_build_info{service=\"thebot-frontend\"", StringComparison.Ordinal));
        var expected = new Dictionary<string, double>
        {
            // Proxied requests carry the backend's route template, not the proxy's catch-all.
            ["thebot_http_requests_total{method=\"GET\",endpoint=\"/api/users/{id}\",status=\"200\"}"] = 1,
            ["thebot_http_requests_total{method=\"GET\",endpoint=\"/api/courses\",status=\"200\"}"] = 1,
            ["thebot_http_requests_total{method=\"POST\",endpoint=\"/api/users\",status=\"201\"}"] = 1,
            ["thebot_http_requests_total{method=\"GET\",endpoint=\"/ws/chat/{room}\",status=\"101\"}"] = 1,
            ["thebot_http_requests_total{method=\"GET\",endpoint=\"/api/{**rest}\",status=\"200\"}"] = 0,

            // Static files are served without a route: the page and its script are `unmatched`, as is the unknown page.
            ["thebot_http_requests_total{method=\"GET\",endpoint=\"unmatched\",status=\"200\"}"] = 2,
            ["thebot_http_requests_total{method=\"GET\",endpoint=\"unmatched\",status=\"404\"}"] = 1,
            ["thebot_http_request_duration_seconds_count{method=\"GET\",endpoint=\"/api/users/{id}\"}"] = 1,
            ["thebot_http_request_duration_seconds_count{method=\"GET\",endpoint=\"/api/courses\"}"] = 1,
            ["thebot_http_request_duration_seconds_count{method=\"POST\",endpoint=\"/api/users\"}"] = 1,
            ["thebot_http_request_duration_seconds_count{method=\"GET\",endpoint=\"/ws/chat/{room}\"}"] = 1,
            ["thebot_http_request_duration_seconds_count{method=\"GET\",endpoint=\"unmatched\"}"] = 3,
        };
        Assert.All(expected, e => Assert.True(e.Value == MetricsSnapshot.Delta(before, after, e.Key), $"{e.Key}: expected +{e.Value}, got +{MetricsSnapshot.Delta(before, after, e.Key)}"));
        Assert.Equal(0, after.Sum("thebot_http_request_exceptions_total") - before.Sum("thebot_http_request_exceptions_total"));
        Assert.False(after.Series.Keys.Any(k => k.StartsWith("thebot_messages_sent_total", StringComparison.Ordinal) && after[k] > 0),
            "business metrics belong to the backend");

        // The frontend's system endpoints are its own: the backend's scrape token is refused there.
        using var request = new HttpRequestMessage(HttpMethod.Get, Frontend + "/api/system/metrics/prometheus/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PlatformFixture.ScrapeToken);
        using var refused = await platform.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await platform.GetAsync("/api/system/unknown/", Frontend)).Status);
    }

    [Fact]
    public async Task Its_system_endpoints_answer_for_the_frontend_with_their_own_tokens()
    {
        var (healthStatus, health, _) = await platform.GetAsync("/api/system/health/", Frontend);
        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal("thebot-frontend", health.GetProperty("service").GetString());
        Assert.Equal("healthy", health.GetProperty("components").GetProperty("backend").GetProperty("status").GetString());

        foreach (var path in new[] { "/api/system/metrics/", "/api/system/analytics/", "/api/system/prometheus/config/" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendSystemAsync(path, token: null)).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendSystemAsync(path, PlatformFixture.AdminToken)).Status);
            Assert.Equal(HttpStatusCode.OK, (await SendSystemAsync(path, PlatformFixture.FrontendAdminToken)).Status);
        }

        var (_, metricsBody, metricsType) = await SendSystemAsync("/api/system/metrics/?window=5m", PlatformFixture.FrontendAdminToken);
        Assert.Equal("application/json", metricsType);
        Assert.StartsWith("{", metricsBody, StringComparison.Ordinal);
        var (badWindow, problem, problemType) = await SendSystemAsync("/api/system/analytics/?window=forever", PlatformFixture.FrontendAdminToken);
        Assert.True(badWindow == HttpStatusCode.BadRequest, problem);
        Assert.Equal("application/problem+json", problemType);

        var (_, config, _) = await SendSystemAsync("/api/system/prometheus/config/", PlatformFixture.FrontendAdminToken);
        Assert.Contains("thebot-frontend", config, StringComparison.Ordinal);
        Assert.Contains($":{platform.Frontend!.Port}", config, StringComparison.Ordinal);
        Assert.Contains("/api/system/metrics/prometheus/", config, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversize_body_is_refused_by_the_frontend_itself_with_413_problem_details()
    {
        var backendBefore = await platform.ScrapeAsync();
        var huge = "{\"name\": \"" + new string('a', 2 * 1024 * 1024) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, Frontend + "/api/users") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var response = await platform.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var backendAfter = await platform.ScrapeAsync();
        Assert.Equal(backendBefore.Sum("thebot_http_requests_total", "method=\"POST\"", "endpoint=\"/api/users\""),
            backendAfter.Sum("thebot_http_requests_total", "method=\"POST\"", "endpoint=\"/api/users\""));
    }

    [Fact]
    public async Task Readiness_follows_the_backend_liveness_does_not_and_a_dead_backend_is_a_502_problem()
    {
        var (readyStatus, ready, _) = await platform.GetAsync("/api/system/readiness/", Frontend);
        Assert.Equal(HttpStatusCode.OK, readyStatus);
        Assert.Equal("thebot-frontend", ready.GetProperty("service").GetString());

        await using var orphan = await PlatformFixture.StartFrontendAsync($"http://127.0.0.1:{TheBot.Stack.Ports.GetFree()}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await platform.GetAsync("/api/system/readiness/", orphan.Url)).Status);
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/system/liveness/", orphan.Url)).Status);
        var before = await ScrapeFrontendAsync(orphan.Url);
        foreach (var (method, body) in new (HttpMethod, object?)[] { (HttpMethod.Get, null), (HttpMethod.Post, new { title = "T", teacherId = 1 }) })
        {
            var (status, problem, contentType) = await platform.SendAsync(method, "/api/courses", body, orphan.Url);
            Assert.True(status == HttpStatusCode.BadGateway, $"{method}: {(int)status} {problem}");
            Assert.Equal("application/problem+json", contentType);
            Assert.Equal(502, problem.GetProperty("status").GetInt32());
        }

        var after = await ScrapeFrontendAsync(orphan.Url);
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, "thebot_http_requests_total{method=\"GET\",endpoint=\"/api/courses\",status=\"502\"}"));
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, "thebot_http_requests_total{method=\"POST\",endpoint=\"/api/courses\",status=\"502\"}"));

        // An unreachable backend is the backend's failure, not an exception of the frontend.
        Assert.Equal(0, after.Sum("thebot_http_request_exceptions_total") - before.Sum("thebot_http_request_exceptions_total"));
    }

    [Fact]
    public async Task Websockets_through_the_proxy_keep_the_frame_limit_and_private_rooms()
    {
        var alice = await platform.CreateUserAsync();
        var bob = await platform.CreateUserAsync();
        var before = await platform.ScrapeAsync();
        var room = $"dm-{alice}-{bob}";
        await using (var first = await ChatClient.ConnectAsync(Frontend, room, alice))
        await using (var second = await ChatClient.ConnectAsync(Frontend, room, bob))
        {
            await first.SendAsync("just us");
            var received = (await second.ReceiveAsync("message")).GetProperty("message");
            Assert.Equal("just us", received.GetProperty("text").GetString());
            Assert.Equal("private", received.GetProperty("chatType").GetString());
            Assert.Equal(alice, received.GetProperty("senderId").GetInt64());
            await first.CloseAsync();
            await second.CloseAsync();
        }

        var after = await platform.ScrapeAsync();
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, "thebot_messages_sent_total{chat_type=\"private\"}"));
        Assert.Equal(0, MetricsSnapshot.Delta(before, after, "thebot_messages_sent_total{chat_type=\"group\"}"));

        // One byte over the backend's 16 KiB limit: the backend closes with 1009, and the proxy passes the close on.
        await using var big = await ChatClient.ConnectAsync(Frontend, "big-frames", alice);
        await big.SendRawAsync(new string('x', (16 * 1024) + 1));
        var (closeStatus, description) = await big.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, closeStatus);
        Assert.Contains("16384", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_backend_route_has_the_same_label_on_the_frontend_and_unknown_paths_share_the_catch_all()
    {
        var backendBefore = await platform.ScrapeAsync();
        var frontendBefore = await ScrapeFrontendAsync();
        var methods = new Dictionary<string, HttpMethod>();
        foreach (var template in PublicRoutes.Templates)
        {
            // GET where the route has one, else POST (a route's other methods are the backend's 405, which it labels
            // unmatched); ids and rooms that exist nowhere, so nothing is created. WebSocket routes without an upgrade are 400.
            var path = template.Replace("{id}", "987654321", StringComparison.Ordinal).Replace("{room}", "labels", StringComparison.Ordinal);
            var (status, _, _) = await platform.GetAsync(path, Frontend);
            methods[template] = HttpMethod.Get;
            if (status == HttpStatusCode.MethodNotAllowed)
            {
                (status, _, _) = await platform.SendAsync(HttpMethod.Post, path, new { }, Frontend);
                methods[template] = HttpMethod.Post;
            }

            Assert.True((int)status < 500, $"{methods[template]} {path}: {(int)status}");
        }

        foreach (var path in new[] { "/api/nothing/here", "/api/users/1/2/3", "/ws/nowhere" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await platform.GetAsync(path, Frontend)).Status);
        }

        var backendAfter = await platform.ScrapeAsync();
        var frontendAfter = await ScrapeFrontendAsync();
        foreach (var template in PublicRoutes.Templates)
        {
            string[] labels = [$"method=\"{methods[template]}\"", $"endpoint=\"{template}\""];
            var onBackend = backendAfter.Sum("thebot_http_requests_total", labels) - backendBefore.Sum("thebot_http_requests_total", labels);
            var onFrontend = frontendAfter.Sum("thebot_http_requests_total", labels) - frontendBefore.Sum("thebot_http_requests_total", labels);
            Assert.True(onBackend == 1 && onFrontend == 1, $"{methods[template]} {template}: +{onBackend} on the backend, +{onFrontend} on the frontend (expected +1 each)");
        }

        Assert.Equal(2, MetricsSnapshot.Delta(frontendBefore, frontendAfter, "thebot_http_requests_total{method=\"GET\",endpoint=\"/api/{**rest}\",status=\"404\"}"));
        Assert.Equal(1, MetricsSnapshot.Delta(frontendBefore, frontendAfter, "thebot_http_requests_total{method=\"GET\",endpoint=\"/ws/{**rest}\",status=\"404\"}"));
    }

    [Theory]
    [InlineData("TRACE", "/api/users/1")]
    [InlineData("PROPFIND", "/api/courses")]
    [InlineData("FROBNICATE", "/api/nothing/here")]
    [InlineData("TRACE", "/ws/chat/general")]
    public async Task Methods_the_proxy_does_not_forward_are_405_problems_with_allow_never_5xx(string method, string path)
    {
        var frontendBefore = await ScrapeFrontendAsync();
        var backendBefore = await platform.ScrapeAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), Frontend + path);
        using var response = await platform.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"], response.Content.Headers.Allow);
        Assert.Contains(method, body, StringComparison.Ordinal);
        var frontendAfter = await ScrapeFrontendAsync();
        Assert.Equal(1, frontendAfter.Sum("thebot_http_requests_total", "status=\"405\"") - frontendBefore.Sum("thebot_http_requests_total", "status=\"405\""));
        Assert.Equal(frontendBefore.Sum("thebot_http_requests_total", "status=\"5"), frontendAfter.Sum("thebot_http_requests_total", "status=\"5"));

        // Refused at the proxy: the backend never saw it.
        Assert.Equal(backendBefore.Sum("thebot_http_requests_total", "method=\"OTHER\""), (await platform.ScrapeAsync()).Sum("thebot_http_requests_total", "method=\"OTHER\""));
    }

    [Fact]
    public async Task Connect_as_curl_sends_it_is_a_405_problem_not_a_502()
    {
        // `curl -X CONNECT http://host/api/users` writes the origin form; YARP cannot forward it (it used to answer 502).
        var before = await ScrapeFrontendAsync();
        var port = platform.Frontend!.Port;
        var answer = await RawHttp.SendAsync(port, Encoding.ASCII.GetBytes($"CONNECT /api/users HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
        Assert.True(answer.Status == 405, answer.Received);
        Assert.Contains("Allow: GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS\r\n", answer.Received, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json", answer.Received, StringComparison.Ordinal);
        var after = await ScrapeFrontendAsync();
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, "thebot_http_requests_total{method=\"OTHER\",endpoint=\"/api/users\",status=\"405\"}"));
        Assert.Equal(before.Sum("thebot_http_requests_total", "status=\"5"), after.Sum("thebot_http_requests_total", "status=\"5"));
    }

    [Fact]
    public async Task An_upgrade_request_that_is_not_a_get_is_405_at_the_proxy()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Frontend + "/ws/chat/general?userId=1") { Content = new ByteArrayContent([]) };
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        using var response = await platform.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET"], response.Content.Headers.Allow);
    }

    private Task<MetricsSnapshot> ScrapeFrontendAsync(string? url = null) => platform.ScrapeAsync(url ?? Frontend, PlatformFixture.FrontendScrapeToken);

    private async Task<(HttpStatusCode Status, string Body, string? ContentType)> SendSystemAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Frontend + path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await platform.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }
}
