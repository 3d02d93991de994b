using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

public sealed class HttpMetricsTests
{
    private static void MapSample(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app)
    {
        app.MapGet("/api/assignments/{id:int}", (int id) => TypedResults.Ok(new { id }));
        app.MapPost("/api/payments", () => TypedResults.StatusCode(502));
        app.MapGet("/api/boom", string () => throw new InvalidOperationException("boom"));
    }

    [Fact]
    public async Task Requests_are_counted_by_route_template_method_and_status()
    {
        await using var app = await TestApp.StartAsync(MapSample);
        for (var i = 0; i < 3; i++)
        {
            (await app.Client.GetAsync($"/api/assignments/{i + 1}")).EnsureSuccessStatusCode();
        }

        Assert.Equal(HttpStatusCode.BadGateway, (await app.Client.PostAsync("/api/payments", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/no/such/path")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await app.Client.GetAsync("/api/boom")).StatusCode);

        var text = await app.ScrapeAsync();
        Assert.Equal(3, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/assignments/{id}"), ("status", "200")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "POST"), ("endpoint", "/api/payments"), ("status", "502")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "unmatched"), ("status", "404")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/boom"), ("status", "500")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_request_exceptions_total", ("exception_type", "InvalidOperationException")));
        Assert.Equal(3, Exposition.Value(text, "thebot_http_request_duration_seconds_count", ("method", "GET"), ("endpoint", "/api/assignments/{id}")));
        Assert.Equal(3, Exposition.Value(text, "thebot_http_request_duration_seconds_bucket", ("method", "GET"), ("endpoint", "/api/assignments/{id}"), ("le", "+Inf")));
        Assert.Equal(1, Exposition.Value(text, "thebot_build_info", ("service", "test-service"), ("version", Exposition.LabelValues(text, "thebot_build_info", "version").Single())));
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_counted_with_the_413_the_client_gets_not_as_a_500()
    {
        // Kestrel throws BadHttpRequestException from the body read and answers with its status; the handler does not
        // catch it. That is the client's mistake: no 5xx, no exception counted.
        await using var app = await TestApp.StartAsync(a => a.MapPost("/api/upload", async (HttpContext context) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            return TypedResults.NoContent();
        }).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(10)));

        var response = await app.Client.PostAsync("/api/upload", new ByteArrayContent(new byte[100]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostAsync("/api/upload", new ByteArrayContent(new byte[5]))).StatusCode);

        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "POST"), ("endpoint", "/api/upload"), ("status", "413")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "POST"), ("endpoint", "/api/upload"), ("status", "204")));
        Assert.Null(Exposition.Value(text, "thebot_http_requests_total", ("method", "POST"), ("endpoint", "/api/upload"), ("status", "500")));
        Assert.Null(Exposition.Value(text, "thebot_http_request_exceptions_total", ("exception_type", "BadHttpRequestException")));
    }

    [Fact]
    public async Task A_websocket_counts_once_with_101_timed_to_the_handshake_and_leaves_in_flight_while_its_session_lasts()
    {
        (string, string)[] route = [("method", "GET"), ("endpoint", "/ws")];
        var release = new TaskCompletionSource();
        await using var app = await TestApp.StartAsync(a =>
        {
            ((IApplicationBuilder)a).UseWebSockets();
            a.MapGet("/ws", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket required");
                }

                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                await release.Task;
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                return Results.Empty;
            });
        });

        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://{app.Address.Authority}/ws"), CancellationToken.None);
        // The server records the handshake once its 101 has been written, which the client can see first.
        await TheBot.Testing.TestHttp.WaitUntilAsync(async () => Exposition.Value(await app.ScrapeAsync(), "thebot_http_requests_total", [.. route, ("status", "101")]) == 1,
            TimeSpan.FromSeconds(5), () => "handshake not counted");
        var during = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(during, "thebot_http_requests_total", [.. route, ("status", "101")]));
        Assert.Equal(1, Exposition.Value(during, "thebot_http_request_duration_seconds_count", route));
        Assert.Equal(1, Exposition.Value(during, "thebot_http_requests_in_flight")); // the scrape, not the session

        // Hold the session past the largest bucket under the latency alert's threshold, then end it.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        release.SetResult();
        var close = await client.ReceiveAsync(new byte[16], CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

        // A refused upgrade (no Upgrade header) is an ordinary request with its own status.
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Client.GetAsync("/ws")).StatusCode);

        await TheBot.Testing.TestHttp.WaitUntilAsync(async () => Exposition.Value(await app.ScrapeAsync(), "thebot_http_requests_total", [.. route, ("status", "400")]) == 1,
            TimeSpan.FromSeconds(5), () => "refused upgrade not counted");
        var after = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(after, "thebot_http_requests_total", [.. route, ("status", "101")]));
        Assert.Null(Exposition.Value(after, "thebot_http_requests_total", [.. route, ("status", "200")]));
        Assert.Equal(2, Exposition.Value(after, "thebot_http_request_duration_seconds_count", route));
        // Both observations (handshake, refusal) fell under 1 s although the session lasted 1.5 s.
        Assert.Equal(2, Exposition.Value(after, "thebot_http_request_duration_seconds_bucket", [.. route, ("le", "1")]));
        Assert.Equal(1, Exposition.Value(after, "thebot_http_requests_in_flight"));
    }

    [Fact]
    public async Task A_server_sent_events_stream_counts_once_timed_to_its_first_byte_and_leaves_in_flight_while_it_lasts()
    {
        (string, string)[] route = [("method", "GET"), ("endpoint", "/events")];
        var release = new TaskCompletionSource();
        await using var app = await TestApp.StartAsync(a =>
        {
            a.MapGet("/events", (CancellationToken aborted) => TypedResults.ServerSentEvents(Events(release.Task, aborted)));
            a.MapGet("/events/none", () => TypedResults.ServerSentEvents(NoEvents()));
            a.MapGet("/events/broken", () => TypedResults.ServerSentEvents(BrokenEvents()));
            a.MapGet("/events/json", () => TypedResults.Ok(new { events = 0 }));
        });

        using var request = new HttpRequestMessage(HttpMethod.Get, "/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("data: hello", await events.ReadLineAsync());
        var during = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(during, "thebot_http_requests_total", [.. route, ("status", "200")]));
        Assert.Equal(1, Exposition.Value(during, "thebot_http_request_duration_seconds_count", route));
        Assert.Equal(1, Exposition.Value(during, "thebot_http_requests_in_flight")); // the scrape, not the stream

        // Hold the stream past the latency alert's threshold (1 s), then end it.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        release.SetResult();
        Assert.Contains("data: bye", await events.ReadToEndAsync(), StringComparison.Ordinal);

        // A stream with no event goes out after the pipeline has ended, one that fails part-way has started already,
        // and JSON to a client that accepts event streams is an ordinary response: each is counted once.
        foreach (var path in new[] { "/events/none", "/events/broken", "/events/json" })
        {
            using var other = new HttpRequestMessage(HttpMethod.Get, path);
            other.Headers.Accept.ParseAdd("text/event-stream");
            try
            {
                using var answer = await app.Client.SendAsync(other);
                await answer.Content.ReadAsStringAsync();
            }
            catch (HttpRequestException)
            {
                // The broken stream's connection is aborted once its headers are out.
            }
        }

        string after = "";
        await TheBot.Testing.TestHttp.WaitUntilAsync(async () => Exposition.Value(after = await app.ScrapeAsync(), "thebot_http_request_exceptions_total", ("exception_type", "InvalidOperationException")) == 1,
            TimeSpan.FromSeconds(5), () => "the broken stream's exception not counted");
        Assert.Equal(1, Exposition.Value(after, "thebot_http_requests_total", [.. route, ("status", "200")]));
        Assert.Equal(1, Exposition.Value(after, "thebot_http_request_duration_seconds_count", route));
        // Timed to its first byte, not to its end 1.5 s later.
        Assert.Equal(1, Exposition.Value(after, "thebot_http_request_duration_seconds_bucket", [.. route, ("le", "1")]));
        foreach (var path in new[] { "/events/none", "/events/broken", "/events/json" })
        {
            Assert.Equal(1, Exposition.Value(after, "thebot_http_requests_total", ("method", "GET"), ("endpoint", path), ("status", "200")));
        }

        Assert.Equal(1, Exposition.Value(after, "thebot_http_requests_in_flight"));

        static async IAsyncEnumerable<string> Events(Task until, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken aborted)
        {
            yield return "hello";
            await until.WaitAsync(aborted);
            yield return "bye";
        }

        static async IAsyncEnumerable<string> NoEvents()
        {
            await Task.Yield();
            yield break;
        }

        static async IAsyncEnumerable<string> BrokenEvents()
        {
            yield return "first";
            await Task.Yield();
            throw new InvalidOperationException("the event source failed");
        }
    }

    [Theory]
    [InlineData("text/html", false)]
    [InlineData("application/json", false)]
    [InlineData("application/json", true)]
    public async Task In_Development_an_exception_the_developer_exception_page_answers_counts_once(string accept, bool problemDetails)
    {
        // WebApplication puts the developer exception page inside our middleware in Development: the page answers the
        // 500 (an HTML page, plain text, or problem details when the host registered them), so no exception escapes.
        await using var app = await TestApp.StartAsync(MapSample, environment: "Development",
            services: problemDetails ? s => s.AddProblemDetails() : null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/boom");
        request.Headers.Accept.ParseAdd(accept);
        using var response = await app.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("boom", body, StringComparison.Ordinal); // the developer page's answer, not the server's empty 500

        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_http_request_exceptions_total", ("exception_type", "InvalidOperationException")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/boom"), ("status", "500")));
    }

    [Fact]
    public async Task In_Development_a_bad_request_the_developer_exception_page_answers_400_is_not_an_exception_of_ours()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/api/bad", string () => throw new BadHttpRequestException("bad input")),
            environment: "Development");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/bad");
        request.Headers.Accept.ParseAdd("text/html");
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Client.SendAsync(request)).StatusCode);

        var text = await app.ScrapeAsync();
        Assert.Null(Exposition.Value(text, "thebot_http_request_exceptions_total", ("exception_type", "BadHttpRequestException")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/bad"), ("status", "400")));
    }
}
