using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using TheBot.Monitoring.Tests.Support;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// The library in an app published with Native AOT (tests/TheBot.Monitoring.AotApp: the two lines, a distributed
/// cache, a business family, a gRPC service, also over gRPC-Web). The publish must be clean, and the native binary must serve every system
/// endpoint and count every family as the JIT-compiled library does: a publish can succeed and still produce a binary
/// whose methods throw (the compiler reports them only as "will always throw").
/// </summary>
[Trait(TestCategory.Name, TestCategory.Publish)]
public sealed class NativeAotTests
{
    private const string ScrapeToken = "aot-scrape-token-for-tests";
    private const string AdminToken = "aot-admin-token-for-tests";

    [Fact]
    public async Task An_app_published_with_native_aot_serves_every_endpoint_and_counts_every_family()
    {
        var folder = Directory.CreateTempSubdirectory("thebot-aot-");
        Process? app = null;
        try
        {
            var published = await CliTool.RunAsync("dotnet",
                ["publish", Repository.PathOf("tests/TheBot.Monitoring.AotApp"), "-c", "Release", "-r", "linux-x64", "-o", folder.FullName, "--nologo"],
                timeout: TimeSpan.FromMinutes(10), environment: new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });
            var output = published.StandardOutput + published.StandardError;
            Assert.True(published.ExitCode == 0, $"dotnet publish failed ({published.ExitCode}):\n{output}");
            // A trim or AOT warning fails the publish (warnings are errors); a method the compiler could not compile
            // is only a message, and the binary throws when it is called.
            Assert.DoesNotContain("will always throw", output, StringComparison.Ordinal);
            Assert.DoesNotContain("warning IL", output, StringComparison.Ordinal);

            var (http, grpc) = (Ports.GetFree(), Ports.GetFree());
            app = Start(Path.Combine(folder.FullName, "TheBot.Monitoring.AotApp"), http, grpc);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromSeconds(10) };
            await TestHttp.WaitUntilAsync(async () => (await client.GetAsync("/api/system/liveness/")).IsSuccessStatusCode,
                TimeSpan.FromSeconds(30), () => $"the native app did not answer on {http}: {(app.HasExited ? $"it exited ({app.ExitCode})" : "still running")}");

            // Four reads of three lessons: three cache misses, one hit, four views.
            foreach (var id in new[] { 1, 2, 3, 1 })
            {
                Assert.Equal($"Lesson {id}", await client.GetStringAsync($"/lessons/{id}"));
            }

            // Health: the JSON written through the library's generated metadata, with each component's data.
            using (var health = await client.GetAsync("/api/system/health/"))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                var body = await health.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("healthy", body.GetProperty("status").GetString());
                Assert.True(body.GetProperty("components").GetProperty("disk").GetProperty("data").GetProperty("total_bytes").GetInt64() > 0);
            }

            using (var readiness = await client.GetAsync("/api/system/readiness/"))
            {
                Assert.Equal(HttpStatusCode.OK, readiness.StatusCode);
            }

            // The admin endpoints: JSON answers, and problem details for a bad window and a missing token (in a native
            // app the host's JSON options know no ProblemDetails).
            var system = await GetJsonAsync(client, "/api/system/metrics/", AdminToken);
            Assert.Equal(Environment.ProcessorCount, system.GetProperty("cpu").GetProperty("processor_count").GetInt32());
            var analytics = await GetJsonAsync(client, "/api/system/analytics/", AdminToken);
            Assert.Contains(analytics.GetProperty("endpoints").EnumerateArray(),
                row => row.GetProperty("endpoint").GetString() == "/lessons/{id}" && row.GetProperty("requests").GetInt64() == 4);
            await AssertProblemAsync(client, "/api/system/analytics/?window=soon", AdminToken, HttpStatusCode.BadRequest, "Invalid window");
            await AssertProblemAsync(client, "/api/system/metrics/", null, HttpStatusCode.Unauthorized, "Token required");

            // gRPC (GrpcTests' service): the unary calls are timed and labelled by their grpc-status; the stream, which
            // fails after its first message, is counted by the status in its trailers and not timed.
            using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}"))
            {
                var calls = channel.CreateCallInvoker();
                Assert.Equal("hi", await calls.AsyncUnaryCall(EchoService.SayMethod, null, new CallOptions(), "ok"));
                var refused = await Assert.ThrowsAsync<RpcException>(async () => await calls.AsyncUnaryCall(EchoService.SayMethod, null, new CallOptions(), "NotFound"));
                Assert.Equal(StatusCode.NotFound, refused.StatusCode);
                using var stream = calls.AsyncServerStreamingCall(EchoService.WatchMethod, null, new CallOptions(), "news");
                Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
                var failed = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext(CancellationToken.None));
                Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
            }

            // The same stream over gRPC-Web and HTTP/1.1, as a browser calls it: its trailers go into the body, so its
            // status is read from the call's context by name (GrpcServerCallStatus), which the native binary must keep.
            using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{http}", new GrpcChannelOptions
            {
                HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, new SocketsHttpHandler()),
                HttpVersion = HttpVersion.Version11,
                HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            }))
            {
                using var stream = channel.CreateCallInvoker().AsyncServerStreamingCall(EchoService.WatchMethod, null, new CallOptions(), "news");
                Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
                var failed = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext(CancellationToken.None));
                Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
            }

            using var scraped = await TestApp.GetAsync(client, "/api/system/metrics/prometheus/", ScrapeToken);
            Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
            var text = await scraped.Content.ReadAsStringAsync();

            (string, string)[] lessons = [("method", "GET"), ("endpoint", "/lessons/{id}")];
            Assert.Equal(4, Exposition.Value(text, "thebot_http_requests_total", [.. lessons, ("status", "200")]));
            Assert.Equal(4, Exposition.Value(text, "thebot_http_request_duration_seconds_count", lessons));
            Assert.Equal(1, Exposition.Value(text, "thebot_cache_hits_total", ("cache_name", "redis")));
            Assert.Equal(3, Exposition.Value(text, "thebot_cache_misses_total", ("cache_name", "redis")));
            Assert.Equal(4, Exposition.Value(text, "aot_lesson_views_total"));
            Assert.Equal(1, Exposition.Value(text, "thebot_health_component_up", ("component", "disk")));
            (string, string)[] say = [("method", "POST"), ("endpoint", "/thebot.test.Echo/Say")];
            Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", [.. say, ("status", "200")]));
            Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", [.. say, ("status", "404")]));
            Assert.Equal(2, Exposition.Value(text, "thebot_http_request_duration_seconds_count", say));
            (string, string)[] watch = [("method", "POST"), ("endpoint", "/thebot.test.Echo/Watch")];
            Assert.Equal(2, Exposition.Value(text, "thebot_http_requests_total", [.. watch, ("status", "503")]));
            Assert.Null(Exposition.Value(text, "thebot_http_request_duration_seconds_count", watch));
        }
        finally
        {
            if (app is { HasExited: false })
            {
                app.Kill(entireProcessTree: true);
                await app.WaitForExitAsync();
            }

            app?.Dispose();
            folder.Delete(recursive: true);
        }
    }

    private static Process Start(string binary, int http, int grpc)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{http}";
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpc}";
        start.Environment["Kestrel__Endpoints__Grpc__Protocols"] = "Http2";
        start.Environment["Monitoring__ScrapeToken"] = ScrapeToken;
        start.Environment["Monitoring__AdminToken"] = AdminToken;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        // Drained so that a chatty app never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path, string token)
    {
        using var response = await TestApp.GetAsync(client, path, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task AssertProblemAsync(HttpClient client, string path, string? token, HttpStatusCode status, string title)
    {
        using var response = await TestApp.GetAsync(client, path, token);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
    }
}

