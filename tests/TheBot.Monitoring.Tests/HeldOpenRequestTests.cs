using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// Requests held open by design (long polling, SignalR's long-polling transport) are counted with their status but not
/// timed: a poll that waits for news is not a slow request, so it cannot move the latency alert (p95 over 1 s) or the
/// latency SLO of an app whose users feel nothing.
/// </summary>
public sealed class HeldOpenRequestTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(1.3);

    [Fact]
    public async Task An_endpoint_marked_ExcludeFromRequestDuration_is_counted_with_its_status_and_not_timed()
    {
        await using var app = await TestApp.StartAsync(a =>
        {
            a.MapGet("/poll", async () => { await Task.Delay(Hold); return TypedResults.NoContent(); }).ExcludeFromRequestDuration();
            a.MapGet("/poll/attribute", [ExcludeFromRequestDuration] async () => { await Task.Delay(Hold); return TypedResults.Ok("news"); });
            var group = a.MapGroup("/grouped").ExcludeFromRequestDuration();
            group.MapGet("/wait", async () => { await Task.Delay(Hold); return TypedResults.Ok(); });
            a.MapGet("/slow", async () => { await Task.Delay(Hold); return TypedResults.Ok(); });
        });

        await Task.WhenAll(new[] { "/poll", "/poll/attribute", "/grouped/wait", "/slow" }.Select(async path =>
            (await app.Client.GetAsync(path)).EnsureSuccessStatusCode()));

        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/poll"), ("status", "204")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/poll/attribute"), ("status", "200")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/grouped/wait"), ("status", "200")));
        foreach (var path in new[] { "/poll", "/poll/attribute", "/grouped/wait" })
        {
            Assert.Null(Exposition.Value(text, "thebot_http_request_duration_seconds_count", ("method", "GET"), ("endpoint", path)));
        }

        // An unmarked endpoint of the same app is still timed, and slow.
        Assert.Equal(1, Exposition.Value(text, "thebot_http_request_duration_seconds_count", ("method", "GET"), ("endpoint", "/slow")));
        Assert.Equal(0, Exposition.Value(text, "thebot_http_request_duration_seconds_bucket", ("method", "GET"), ("endpoint", "/slow"), ("le", "1")));
    }

    /// <summary>
    /// SignalR's long-polling transport as a client behind a proxy that blocks WebSockets uses it: negotiate, then GETs
    /// that each wait up to the poll timeout for a message, and POSTs that send. The GETs are counted, not timed; the
    /// POSTs and the negotiation are ordinary requests; the event-stream transport on the same hub is timed to its
    /// first byte as any event stream.
    /// </summary>
    [Fact]
    public async Task SignalR_long_polls_are_counted_not_timed_and_its_other_requests_are_timed()
    {
        await using var app = await TestApp.StartAsync(
            a => a.MapHub<NewsHub>("/hubs/news", o => o.LongPolling.PollTimeout = Hold),
            services: s => s.AddSignalR());

        var token = await NegotiateAsync(app.Client);
        var poll = $"/hubs/news?id={Uri.EscapeDataString(token)}";
        (await app.Client.GetAsync(poll)).EnsureSuccessStatusCode(); // the first poll answers at once: connected
        using (var handshake = new StringContent("{\"protocol\":\"json\",\"version\":1}\u001e", Encoding.UTF8, "text/plain"))
        {
            (await app.Client.PostAsync(poll, handshake)).EnsureSuccessStatusCode();
        }

        // The handshake's answer, then a poll with no news that waits the whole poll timeout.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < Hold)
        {
            waited.Restart();
            (await app.Client.GetAsync(poll)).EnsureSuccessStatusCode();
        }

        (await app.Client.DeleteAsync(poll)).EnsureSuccessStatusCode();

        var stream = $"/hubs/news?id={Uri.EscapeDataString(await NegotiateAsync(app.Client))}";
        using (var request = new HttpRequestMessage(HttpMethod.Get, stream))
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
        }

        (string, string)[] hub = [("method", "GET"), ("endpoint", "/hubs/news")];
        string text = "";
        await TheBot.Testing.TestHttp.WaitUntilAsync(
            async () => Exposition.Value(text = await app.ScrapeAsync(), "thebot_http_request_duration_seconds_count", hub) == 1,
            TimeSpan.FromSeconds(5), () => "the event stream's GET was not timed at its start:\n" + text);
        var polls = Exposition.Value(text, "thebot_http_requests_total", [.. hub, ("status", "200")]);
        Assert.True(polls >= 4, $"3 or more polls and the event stream counted as GET 200, got {polls}");
        // Only the event stream is timed (to its first byte), none of the polls, although the last one waited 1.3 s.
        Assert.Equal(1, Exposition.Value(text, "thebot_http_request_duration_seconds_bucket", [.. hub, ("le", "1")]));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_request_duration_seconds_count", ("method", "POST"), ("endpoint", "/hubs/news")));
        Assert.Equal(2, Exposition.Value(text, "thebot_http_request_duration_seconds_count", ("method", "POST"), ("endpoint", "/hubs/news/negotiate")));
    }

    private static async Task<string> NegotiateAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/hubs/news/negotiate?negotiateVersion=1", null);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("connectionToken").GetString()!;
    }
}
