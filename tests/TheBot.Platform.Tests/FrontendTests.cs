using System.Net;
using System.Net.Http.Headers;
using TheBot.Platform.Tests.Support;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>The frontend host: its page, the proxy of /api and /ws, and its own metrics and health.</summary>
[Collection(PlatformCollection.Name)]
public sealed class FrontendTests(FullPlatformFixture platform)
{
    private string Frontend => platform.Frontend!.Url;

    [Fact]
    public async Task Serves_the_page_and_proxies_api_and_websockets_with_its_own_metrics()
    {
        var before = await platform.ScrapeAsync(Frontend, PlatformFixture.FrontendScrapeToken);
        var page = await platform.Http.GetStringAsync(Frontend + "/");
        Assert.Contains("THE_BOT", page, StringComparison.Ordinal);
        Assert.Contains("/ws/chat/", await platform.Http.GetStringAsync(Frontend + "/app.js"), StringComparison.Ordinal);

        var user = await platform.CreateUserAsync();
        var (status, direct, _) = await platform.GetAsync($"/api/users/{user}");
        var (proxiedStatus, proxied, _) = await platform.GetAsync($"/api/users/{user}", Frontend);
        Assert.Equal(status, proxiedStatus);
        Assert.Equal(direct.GetRawText(), proxied.GetRawText());
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/courses", Frontend)).Status);

        await using (var socket = await ChatClient.ConnectAsync(Frontend, "via-frontend", user))
        {
            await socket.SendAsync("through the proxy");
            Assert.Equal("through the proxy", (await socket.ReceiveAsync("message")).GetProperty("message").GetProperty("text").GetString());
            await socket.CloseAsync();
        }

        var after = await platform.ScrapeAsync(Frontend, PlatformFixture.FrontendScrapeToken);
        Assert.Contains(after.Series.Keys, k => k.StartsWith("thebot_build_info{service=\"thebot-frontend\"", StringComparison.Ordinal));
        Assert.Equal(2, MetricsSnapshot.Delta(before, after, "thebot_http_requests_total{method=\"GET\",endpoint=\"/api/{**rest}\",status=\"200\"}"));
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, "thebot_http_requests_total{method=\"GET\",endpoint=\"/ws/{**rest}\",status=\"101\"}"));
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
    public async Task Readiness_follows_the_backend_and_liveness_does_not()
    {
        var (readyStatus, ready, _) = await platform.GetAsync("/api/system/readiness/", Frontend);
        Assert.Equal(HttpStatusCode.OK, readyStatus);
        Assert.Equal("thebot-frontend", ready.GetProperty("service").GetString());

        await using var orphan = await PlatformFixture.StartFrontendAsync($"http://127.0.0.1:{TheBot.Stack.Ports.GetFree()}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await platform.GetAsync("/api/system/readiness/", orphan.Url)).Status);
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/system/liveness/", orphan.Url)).Status);
        Assert.Equal(HttpStatusCode.BadGateway, (await platform.GetAsync("/api/courses", orphan.Url)).Status);
    }
}
