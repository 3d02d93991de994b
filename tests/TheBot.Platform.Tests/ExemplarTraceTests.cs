using System.Globalization;
using System.Net;
using System.Text.Json;
using TheBot.Platform.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>
/// From a slow bucket to the request's own log lines: a real Prometheus 2.42 with exemplar storage scrapes the real
/// backend (OpenMetrics negotiated), requests are slowed by the latency fault, and the trace ids that
/// <c>/api/v1/query_exemplars</c> returns for the slow buckets are the ones on those requests' lines in the backend's
/// JSON log file.
/// </summary>
[Collection(PlatformCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class ExemplarTraceTests(FullPlatformFixture platform)
{
    private const int LatencyMilliseconds = 300;

    // A real pg_sleep through the instrumented data source inside the same requests: the DB histogram's exemplar.
    private const int SlowQueryMilliseconds = 600;

    [Fact]
    public async Task Exemplars_of_slow_requests_lead_to_their_lines_in_the_backends_log_file()
    {
        var config = $$"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: thebot-backend
                metrics_path: /api/system/metrics/prometheus/
                authorization: { type: Bearer, credentials: {{PlatformFixture.ScrapeToken}} }
                static_configs: [{ targets: ['{{new Uri(platform.Url).Authority}}'] }]
            """;
        await using var prometheus = await PrometheusServer.StartNewAsync(config);
        await prometheus.WaitForTargetUpAsync("thebot-backend");
        var started = DateTimeOffset.UtcNow;

        Assert.Equal(HttpStatusCode.OK, (await platform.SendAsync(HttpMethod.Post, "/api/test/faults", new { latencyMilliseconds = LatencyMilliseconds, errorRate = 0, slowQueryMilliseconds = SlowQueryMilliseconds })).Status);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/jobs")).Status);
            }
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await platform.SendAsync(HttpMethod.Delete, "/api/test/faults")).Status);
        }

        // Exemplars of the slow requests (HTTP, on the route they took) and of their slow queries (DB): above what the
        // faults injected, each leading to the request's own line in the log file.
        var http = await SlowExemplarsAsync(prometheus, "thebot_http_request_duration_seconds_bucket{job=\"thebot-backend\",endpoint=\"/api/jobs\"}",
            (LatencyMilliseconds + SlowQueryMilliseconds) / 1000.0, started);
        var db = await SlowExemplarsAsync(prometheus, "thebot_db_query_duration_seconds_bucket{job=\"thebot-backend\"}", SlowQueryMilliseconds / 1000.0, started);

        var file = Path.Combine(platform.Backend.LogFolder, "thebot-backend.log");
        foreach (var traceId in http.Concat(db))
        {
            Assert.Matches("^[0-9a-f]{32}$", traceId);
            string? line = null;
            await TestHttp.WaitUntilAsync(() =>
            {
                line = ReadShared(file).FirstOrDefault(l => l.Contains(traceId, StringComparison.Ordinal));
                return Task.FromResult(line is not null);
            }, TimeSpan.FromSeconds(5), () => $"trace {traceId} of an exemplar is in no line of {file}");

            using var json = JsonDocument.Parse(line!);
            Assert.Equal(traceId, json.RootElement.GetProperty("trace_id").GetString());
            Assert.Equal($"injected {LatencyMilliseconds} ms of latency into GET /api/jobs", json.RootElement.GetProperty("message").GetString());
        }
    }

    private static async Task<List<string>> SlowExemplarsAsync(PrometheusServer prometheus, string selector, double atLeast, DateTimeOffset started)
    {
        List<string> slow = [];
        await TestHttp.WaitUntilAsync(async () =>
        {
            var body = await prometheus.GetJsonAsync("/api/v1/query_exemplars?query=" + Uri.EscapeDataString(selector)
                + $"&start={started.AddSeconds(-5).ToUnixTimeSeconds()}&end={DateTimeOffset.UtcNow.AddSeconds(5).ToUnixTimeSeconds()}");
            slow = body.GetProperty("data").EnumerateArray()
                .SelectMany(series => series.GetProperty("exemplars").EnumerateArray())
                .Where(e => double.Parse(e.GetProperty("value").GetString()!, CultureInfo.InvariantCulture) >= atLeast)
                .Select(e => e.GetProperty("labels").GetProperty("trace_id").GetString()!)
                .ToList();
            return slow.Count > 0;
        }, TimeSpan.FromSeconds(20), () => $"no exemplar of {selector} at or over {atLeast} s reached Prometheus");
        return slow;
    }

    private static string[] ReadShared(string file)
    {
        if (!File.Exists(file))
        {
            return [];
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
