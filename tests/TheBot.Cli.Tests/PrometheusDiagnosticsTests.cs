using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TheBot.Cli.Clients;
using TheBot.Cli.Diagnostics;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// The doctor's "High Memory Usage" and "Slow Queries in Prometheus" checks against a local stand-in for Prometheus'
/// API that answers what a healthy or a struggling Prometheus answers (this proves our reading of those answers; the
/// pass path against a real Prometheus runs in <see cref="StackVerbTests"/>).
/// </summary>
public sealed class PrometheusDiagnosticsTests
{
    [Fact]
    public async Task Memory_passes_with_few_series_small_memory_and_retention_set()
    {
        await using var fake = await FakePrometheus.StartAsync(series: 12_000, residentBytes: 300 << 20, retentionTime: "15d", retentionSize: "0B");
        var (ok, detail) = await PrometheusDiagnostics.MemoryAsync(fake.Client, CancellationToken.None);
        Assert.True(ok, detail);
        Assert.Equal("12000 head series, resident 300 MiB, retention 15d", detail);
    }

    [Fact]
    public async Task Memory_fails_naming_series_memory_and_missing_retention()
    {
        await using var fake = await FakePrometheus.StartAsync(series: 2_500_000, residentBytes: 3L << 30, retentionTime: "0s", retentionSize: "0B");
        var (ok, detail) = await PrometheusDiagnostics.MemoryAsync(fake.Client, CancellationToken.None);
        Assert.False(ok, detail);
        Assert.Contains("2500000 head series (limit 1000000)", detail, StringComparison.Ordinal);
        Assert.Contains("resident memory 3072 MiB (limit 2048 MiB)", detail, StringComparison.Ordinal);
        Assert.Contains("neither --storage.tsdb.retention.time nor --storage.tsdb.retention.size is set", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Memory_fails_when_Prometheus_does_not_scrape_itself()
    {
        await using var fake = await FakePrometheus.StartAsync(series: 100, residentBytes: null, retentionTime: "15d", retentionSize: "0B");
        var (ok, detail) = await PrometheusDiagnostics.MemoryAsync(fake.Client, CancellationToken.None);
        Assert.False(ok, detail);
        Assert.Contains("has no sample", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slow_queries_pass_when_groups_are_quick()
    {
        await using var fake = await FakePrometheus.StartAsync(groups: [("thebot-http", 15, 0.004), ("thebot-slo", 60, 0.01)]);
        var (ok, detail) = await PrometheusDiagnostics.SlowQueriesAsync(fake.Client, CancellationToken.None);
        Assert.True(ok, detail);
        Assert.StartsWith("2 rule groups, slowest thebot-http 4.0 ms of 15 s; 'up' answered in ", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slow_queries_fail_naming_the_slow_group_and_the_slow_query()
    {
        await using var fake = await FakePrometheus.StartAsync(groups: [("thebot-http", 15, 0.004), ("thebot-slo", 15, 12.5)], queryDelay: TimeSpan.FromMilliseconds(400));
        var (ok, detail) = await PrometheusDiagnostics.SlowQueriesAsync(fake.Client, CancellationToken.None, maxQueryLatency: TimeSpan.FromMilliseconds(200));
        Assert.False(ok, detail);
        Assert.Contains("group thebot-slo (alert_rules.yml) took 12.50 s of its 15 s interval", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("thebot-http", detail, StringComparison.Ordinal);
        Assert.Matches(@"the query 'up' took \d+ ms \(limit 200 ms\)", detail);
    }

    /// <summary>Answers /api/v1/status/tsdb, /api/v1/status/flags, /api/v1/rules and /api/v1/query like Prometheus 2.42.</summary>
    private sealed class FakePrometheus : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakePrometheus(WebApplication app, int port)
        {
            _app = app;
            Client = new PrometheusClient($"http://127.0.0.1:{port}");
        }

        public PrometheusClient Client { get; }

        public static async Task<FakePrometheus> StartAsync(
            long series = 100, long? residentBytes = 100 << 20, string retentionTime = "15d", string retentionSize = "0B",
            (string Name, double Interval, double Took)[]? groups = null, TimeSpan queryDelay = default)
        {
            var port = Ports.GetFree();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            app.MapGet("/api/v1/status/tsdb", () => Success(new { headStats = new { numSeries = series, numLabelPairs = 10, chunkCount = 10 } }));
            app.MapGet("/api/v1/status/flags", () => Success(new Dictionary<string, string>
            {
                ["storage.tsdb.retention.time"] = retentionTime,
                ["storage.tsdb.retention.size"] = retentionSize,
                ["web.enable-admin-api"] = "true",
            }));
            app.MapGet("/api/v1/rules", () => Success(new
            {
                groups = (groups ?? []).Select(g => new
                {
                    name = g.Name, file = "/state/config/alert_rules.yml", interval = g.Interval, evaluationTime = g.Took, rules = Array.Empty<object>(),
                }),
            }));
            app.MapGet("/api/v1/query", async (HttpContext context) =>
            {
                await Task.Delay(queryDelay);
                var query = context.Request.Query["query"].ToString();
                object[] result = query.StartsWith("process_resident_memory_bytes", StringComparison.Ordinal) && residentBytes is { } bytes
                    ? [new { metric = new { __name__ = "process_resident_memory_bytes", job = "prometheus" }, value = new object[] { 1700000000.0, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) } }]
                    : [];
                return Success(new { resultType = "vector", result });
            });
            await app.StartAsync();
            return new FakePrometheus(app, port);
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();

        private static IResult Success(object data) => Results.Json(new { status = "success", data });
    }
}
