using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// A gRPC service on Grpc.AspNetCore, called by Grpc.Net.Client: every call answers HTTP 200, so the status label is
/// the HTTP status its grpc-status maps to (ADR 0019), from a trailer or from a trailers-only response alike.
/// </summary>
public sealed class GrpcTests
{
    [Fact]
    public async Task A_grpc_call_is_labelled_with_the_http_status_its_grpc_status_maps_to()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGrpcService<EchoService>(), services => services.AddGrpc(), inMemory: true);
        using var channel = GrpcChannel.ForAddress(app.Address, new GrpcChannelOptions { HttpClient = app.Client });
        var calls = channel.CreateCallInvoker();

        // Expected: grpc-status → the status label.
        var asked = new (string Request, StatusCode Code)[]
        {
            ("ok", StatusCode.OK), ("ok", StatusCode.OK), ("NotFound", StatusCode.NotFound), ("Unavailable", StatusCode.Unavailable),
            ("Unavailable", StatusCode.Unavailable), ("DeadlineExceeded", StatusCode.DeadlineExceeded), ("Cancelled", StatusCode.Cancelled),
            ("bug", StatusCode.Unknown), ("Unauthenticated", StatusCode.Unauthenticated), ("ResourceExhausted", StatusCode.ResourceExhausted),
        };
        foreach (var (request, code) in asked)
        {
            var status = StatusCode.OK;
            try
            {
                Assert.Equal("hi", await calls.AsyncUnaryCall(EchoService.SayMethod, null, new CallOptions(), request));
            }
            catch (RpcException refused)
            {
                status = refused.StatusCode;
            }

            Assert.Equal(code, status);
        }

        var text = await app.ScrapeAsync();
        (string, string)[] say = [("method", "POST"), ("endpoint", "/thebot.test.Echo/Say")];
        foreach (var (label, count) in new[] { ("200", 2), ("404", 1), ("503", 2), ("504", 1), ("499", 1), ("500", 1), ("401", 1), ("429", 1) })
        {
            Assert.Equal(count, Exposition.Value(text, "thebot_http_requests_total", [.. say, ("status", label)]));
        }

        // Those and nothing else: no call left at the 200 every gRPC response has.
        Assert.Equal(
            new[] { ("200", 2), ("401", 1), ("404", 1), ("429", 1), ("499", 1), ("500", 1), ("503", 2), ("504", 1) }
                .Select(s => Exposition.Sample("thebot_http_requests_total", [.. say, ("status", s.Item1)], s.Item2)).Order(StringComparer.Ordinal),
            Exposition.Samples(text, "thebot_http_requests_total").Where(s => s.Contains("/thebot.test.Echo/Say", StringComparison.Ordinal)));
        Assert.Equal(asked.Length, Exposition.Value(text, "thebot_http_request_duration_seconds_count", say));
    }

    [Fact]
    public async Task A_streaming_call_counts_the_status_in_its_trailers_and_is_not_timed_as_a_request()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGrpcService<EchoService>(), services => services.AddGrpc(), inMemory: true);
        using var channel = GrpcChannel.ForAddress(app.Address, new GrpcChannelOptions { HttpClient = app.Client });
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(EchoService.WatchMethod, null, new CallOptions(), "news");

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal("first", call.ResponseStream.Current);
        var failed = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);

        (string, string)[] watch = [("method", "POST"), ("endpoint", "/thebot.test.Echo/Watch")];
        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", [.. watch, ("status", "503")]));
        Assert.Null(Exposition.Value(text, "thebot_http_requests_total", [.. watch, ("status", "200")]));
        // The stream lasted over a second: as a request it would have moved the latency percentiles.
        Assert.Null(Exposition.Value(text, "thebot_http_request_duration_seconds_count", watch));
    }
}
