using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TheBot.Monitoring.Health;
using TheBot.Monitoring.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Monitoring.Tests;

/// <summary>Which component answers on which health endpoint (contract §4), and the configurable check timeout.</summary>
[Collection(RealServersCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class HealthComponentTests(RealServers servers)
{
    private sealed class StoppedJobQueue : IJobQueueMonitor
    {
        public long Depth => 3;

        public bool IsRunning => false;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetHealthAsync(TestApp app, string endpoint)
    {
        using var response = await app.GetAsync($"/api/system/{endpoint}/", null);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static string[] ComponentNames(JsonElement body) =>
        body.GetProperty("components").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Readiness_runs_database_cache_and_disk_liveness_runs_memory_and_job_queue_health_runs_all()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync();
        await using var app = await TestApp.StartAsync(_ => { }, services =>
        {
            services.AddSingleton<DbDataSource>(_ => NpgsqlDataSource.Create(connectionString));
            services.AddStackExchangeRedisCache(options => options.Configuration = servers.Redis.ConnectionString);
        }, inMemory: true);

        var (healthStatus, health) = await GetHealthAsync(app, "health");
        var (readyStatus, ready) = await GetHealthAsync(app, "readiness");
        var (liveStatus, live) = await GetHealthAsync(app, "liveness");

        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal(["cache", "database", "disk", "job_queue", "memory"], ComponentNames(health));
        Assert.True(readyStatus == HttpStatusCode.OK, $"readiness {readyStatus}: {ready}");
        Assert.Equal(["cache", "database", "disk"], ComponentNames(ready));
        Assert.Equal(HttpStatusCode.OK, liveStatus);
        Assert.Equal(["job_queue", "memory"], ComponentNames(live));
    }

    [Fact]
    public async Task Stopped_job_workers_fail_liveness_but_not_readiness()
    {
        await using var app = await TestApp.StartAsync(_ => { }, services => services.AddSingleton<IJobQueueMonitor, StoppedJobQueue>(), inMemory: true);

        var (liveStatus, live) = await GetHealthAsync(app, "liveness");
        var (readyStatus, _) = await GetHealthAsync(app, "readiness");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, liveStatus);
        Assert.Equal("unhealthy", live.GetProperty("components").GetProperty("job_queue").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, readyStatus);
    }

    [Fact]
    public async Task The_check_timeout_option_bounds_a_database_that_never_answers()
    {
        // Accepts TCP connections (the kernel's backlog does) but never speaks PostgreSQL: the open hangs.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var port = ((IPEndPoint)silent.LocalEndpoint).Port;
            await using var app = await TestApp.StartAsync(_ => { }, services =>
                services.AddSingleton<DbDataSource>(_ => NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=x;Password=y;SSL Mode=Disable;Timeout=30")),
                settings: new Dictionary<string, string?> { ["Monitoring:Health:CheckTimeout"] = "00:00:00.300" },
                inMemory: true);

            var watch = Stopwatch.StartNew();
            var (status, body) = await GetHealthAsync(app, "readiness");
            watch.Stop();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            var database = body.GetProperty("components").GetProperty("database");
            Assert.Equal("unhealthy", database.GetProperty("status").GetString());
            var checkSeconds = database.GetProperty("duration_seconds").GetDouble();
            // 0.3 s configured; the 2 s default (or Npgsql's 30 s) would be far above the upper bound.
            Assert.InRange(checkSeconds, 0.29, 1.5);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.8), $"readiness took {watch.Elapsed}");
        }
        finally
        {
            silent.Stop();
        }
    }
}
