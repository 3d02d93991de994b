using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// gRPC-Web (Grpc.AspNetCore.Web, what a browser speaks over HTTP/1.1): the same calls as over gRPC, on the same kind of
/// app, must give the same series. gRPC-Web writes its trailers into the response body, through a feature it removes
/// again before the library's middleware reads the call's outcome (ADR 0019).
/// </summary>
public sealed class GrpcWebTests
{
    /// <summary>The unary calls each client makes, and the gRPC status it must see.</summary>
    private static readonly (string Request, StatusCode Code)[] Calls =
    [
        ("ok", StatusCode.OK), ("ok", StatusCode.OK),
        ("NotFound", StatusCode.NotFound), // an RpcException before any message: a trailers-only response
        ("bug", StatusCode.Unknown), // an unhandled exception in the handler
        ("Unavailable after answering", StatusCode.Unavailable), // the status follows the message, in trailers
    ];

    /// <summary>
    /// What those calls and one failing server stream give, over either protocol (<see cref="EchoSeries"/>): a status
    /// per call as its client saw it, the unary calls timed and the stream not, no exception counted.
    /// </summary>
    private static readonly string[] Expected =
    [
        .. new[] { ("200", 2), ("404", 1), ("500", 1), ("503", 1) }
            .Select(s => Exposition.Sample("thebot_http_requests_total", [("endpoint", "/thebot.test.Echo/Say"), ("method", "POST"), ("status", s.Item1)], s.Item2)),
        Exposition.Sample("thebot_http_requests_total", [("endpoint", "/thebot.test.Echo/Watch"), ("method", "POST"), ("status", "503")], 1),
        Exposition.Sample("thebot_http_request_duration_seconds_count", [("endpoint", "/thebot.test.Echo/Say"), ("method", "POST")], Calls.Length),
    ];

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task A_grpc_web_call_is_labelled_as_the_same_call_over_grpc(GrpcWebMode mode)
    {
        var webProtocols = new ConcurrentQueue<string>();
        await using var web = await StartAsync(webProtocols, HttpProtocols.Http1AndHttp2);
        using var webChannel = GrpcChannel.ForAddress(web.Address, new GrpcChannelOptions
        {
            // As a browser: gRPC-Web over HTTP/1.1, and nothing else.
            HttpHandler = new GrpcWebHandler(mode, new SocketsHttpHandler()),
            HttpVersion = HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        var webSaw = await CallAsync(webChannel.CreateCallInvoker());

        // gRPC needs HTTP/2, which Kestrel speaks without TLS only on an endpoint that speaks nothing else.
        var grpcProtocols = new ConcurrentQueue<string>();
        await using var grpc = await StartAsync(grpcProtocols, HttpProtocols.Http2);
        using var grpcChannel = GrpcChannel.ForAddress(grpc.Address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler() });
        var grpcSaw = await CallAsync(grpcChannel.CreateCallInvoker());
        using var http2 = new HttpClient { BaseAddress = grpc.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        http2.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.ScrapeToken);

        // Each client saw the status asked for, over the protocol asked for.
        StatusCode[] asked = [.. Calls.Select(c => c.Code), StatusCode.Unavailable];
        Assert.Equal(asked, webSaw);
        Assert.Equal(asked, grpcSaw);
        Assert.Equal(Enumerable.Repeat("HTTP/1.1", asked.Length), webProtocols);
        Assert.Equal(Enumerable.Repeat("HTTP/2", asked.Length), grpcProtocols);

        // The same series on both: the status label is what the client saw (no call left at the 200 every gRPC-Web
        // response has), the endpoint the method's route; unary calls timed, the stream not; no exception escaped.
        Assert.Equal(string.Join('\n', Expected), EchoSeries(await web.ScrapeAsync()));
        Assert.Equal(string.Join('\n', Expected), EchoSeries(await http2.GetStringAsync("/api/system/metrics/prometheus/")));
    }

    /// <summary>
    /// A real Kestrel server speaking <paramref name="http"/>, with the gRPC service and gRPC-Web enabled on it, as an app
    /// serving browsers has it; the protocol each gRPC call arrived with goes to <paramref name="protocols"/> (read before
    /// gRPC-Web rewrites it).
    /// </summary>
    private static Task<TestApp> StartAsync(ConcurrentQueue<string> protocols, HttpProtocols http) => TestApp.StartAsync(
        endpoints =>
        {
            var app = (WebApplication)endpoints;
            app.Use((context, next) =>
            {
                if (context.Request.Path.StartsWithSegments("/thebot.test.Echo", StringComparison.Ordinal))
                {
                    protocols.Enqueue(context.Request.Protocol);
                }

                return next(context);
            });
            app.UseGrpcWeb();
            app.MapGrpcService<EchoService>().EnableGrpcWeb();
        },
        services => services.AddGrpc(),
        afterMonitoring: builder => builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = http)));

    /// <summary>
    /// The service's request counts and duration counts, and every exception count, one sample a line in the order
    /// <see cref="Expected"/> lists them: the whole of what the calls recorded, so that nothing extra goes unseen.
    /// </summary>
    private static string EchoSeries(string exposition) => string.Join('\n',
        Exposition.Samples(exposition, "thebot_http_requests_total")
            .Concat(Exposition.Samples(exposition, "thebot_http_request_duration_seconds").Where(s => s.StartsWith("thebot_http_request_duration_seconds_count{", StringComparison.Ordinal)))
            .Where(s => s.Contains("/thebot.test.Echo/", StringComparison.Ordinal))
            .Concat(Exposition.Samples(exposition, "thebot_http_request_exceptions_total")));

    /// <summary>Makes <see cref="Calls"/> and one server stream (a message, then UNAVAILABLE); the status seen for each.</summary>
    private static async Task<List<StatusCode>> CallAsync(CallInvoker calls)
    {
        var saw = new List<StatusCode>();
        foreach (var (request, _) in Calls)
        {
            try
            {
                Assert.Equal("hi", await calls.AsyncUnaryCall(EchoService.SayMethod, null, new CallOptions(), request));
                saw.Add(StatusCode.OK);
            }
            catch (RpcException refused)
            {
                saw.Add(refused.StatusCode);
            }
        }

        using var watch = calls.AsyncServerStreamingCall(EchoService.WatchMethod, null, new CallOptions(), "news");
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal("first", watch.ResponseStream.Current);
        saw.Add((await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(CancellationToken.None))).StatusCode);
        return saw;
    }
}
