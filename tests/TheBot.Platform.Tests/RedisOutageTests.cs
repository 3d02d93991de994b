using System.Net;
using TheBot.Platform.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>Redis crashes (SIGKILL) or hangs (SIGSTOP) and comes back while the backend runs: reads fall back to PostgreSQL.</summary>
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class RedisOutageTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    private const string Hits = "thebot_cache_hits_total{cache_name=\"redis\"}";
    private const string Misses = "thebot_cache_misses_total{cache_name=\"redis\"}";
    private const string Errors = "thebot_cache_errors_total{cache_name=\"redis\"}";
    private const string CacheUp = "thebot_health_component_up{component=\"cache\"}";

    [Fact]
    public async Task Killed_cache_reads_fall_back_to_the_database_misses_are_counted_health_is_degraded_and_it_recovers()
    {
        var user = await platform.CreateUserAsync();
        var start = await platform.ScrapeAsync();
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        var warm = await platform.ScrapeAsync();
        Assert.Equal((1.0, 1.0, 0.0), (warm[Misses] - start[Misses], warm[Hits] - start[Hits], warm[Errors] - start[Errors]));

        var backend = platform.Backend.Process;
        await platform.Redis.KillAsync();
        await TestHttp.WaitUntilAsync(async () =>
        {
            var (_, health, _) = await platform.GetAsync("/api/system/health/");
            return health.GetProperty("components").GetProperty("cache").GetProperty("status").GetString() == "degraded";
        }, TimeSpan.FromSeconds(5), () => "cache not degraded 5 s after Redis was killed");
        var (healthStatus, overall, _) = await platform.GetAsync("/api/system/health/");
        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal("degraded", overall.GetProperty("status").GetString());
        // Degraded, not unready: the instance still serves (from the database), so it stays in rotation.
        var (readyStatus, ready, _) = await platform.GetAsync("/api/system/readiness/");
        Assert.Equal(HttpStatusCode.OK, readyStatus);
        Assert.Equal("degraded", ready.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/system/liveness/")).Status);
        await platform.WaitForMetricsAsync(m => m.Series.ContainsKey(CacheUp) && m[CacheUp] == 0, "cache gauge 0 with Redis killed");

        var beforeReads = await platform.ScrapeAsync();
        for (var i = 0; i < 3; i++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (status, body, _) = await platform.GetAsync($"/api/users/{user}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(user, body.GetProperty("id").GetInt64());
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"read took {watch.Elapsed}");
        }

        // Each read: the failed GET is an error and a miss, the dropped SET (written after the answer) an error; nothing is a hit.
        var down = await platform.WaitForMetricsAsync(m => m[Errors] - beforeReads[Errors] >= 6, "six cache errors for three reads");
        Assert.Equal((3.0, 0.0, 6.0), (down[Misses] - beforeReads[Misses], down[Hits] - beforeReads[Hits], down[Errors] - beforeReads[Errors]));
        Assert.Equal(3, MetricsSnapshot.Delta(beforeReads, down, "thebot_db_queries_total{database=\"thebot\",operation=\"select\",table=\"users\"}"));

        await platform.Redis.StartAsync();
        await WaitCacheHealthyAsync();

        var beforeRecovery = await platform.ScrapeAsync();
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        var recovered = await platform.ScrapeAsync();
        // Redis came back empty: one miss fills it, the next read hits.
        Assert.Equal((1.0, 1.0, 0.0), (recovered[Misses] - beforeRecovery[Misses], recovered[Hits] - beforeRecovery[Hits], recovered[Errors] - beforeRecovery[Errors]));
        Assert.Equal(backend, platform.Backend.Process);
    }

    [Fact]
    public async Task Hung_cache_reads_fall_back_within_the_cache_timeout_and_it_recovers_when_it_resumes()
    {
        var user = await platform.CreateUserAsync();
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        var backend = platform.Backend.Process;

        using (FrozenServer.Freeze(platform.Redis))
        {
            // The connection stays open but nothing answers: the 1 s Redis timeouts bound each cache call.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (status, body, _) = await platform.GetAsync($"/api/users/{user}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(user, body.GetProperty("id").GetInt64());
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"read took {watch.Elapsed}");

            var hung = System.Diagnostics.Stopwatch.StartNew();
            await platform.WaitForMetricsAsync(m => m.Series.ContainsKey(CacheUp) && m[CacheUp] == 0, "cache gauge 0 five seconds into the Redis hang", TimeSpan.FromSeconds(5));
            Assert.True(hung.Elapsed < TimeSpan.FromSeconds(5), $"cache gauge turned 0 after {hung.Elapsed}");
            var (healthStatus, health, _) = await platform.GetAsync("/api/system/health/");
            Assert.Equal(HttpStatusCode.OK, healthStatus);
            Assert.Equal("degraded", health.GetProperty("components").GetProperty("cache").GetProperty("status").GetString());
            // A frozen cache degrades the service, it does not take it out of rotation; readiness answers fast all along.
            var watch2 = System.Diagnostics.Stopwatch.StartNew();
            var (readyStatus, ready, _) = await platform.GetAsync("/api/system/readiness/");
            Assert.Equal(HttpStatusCode.OK, readyStatus);
            Assert.Equal("degraded", ready.GetProperty("components").GetProperty("cache").GetProperty("status").GetString());
            Assert.True(watch2.Elapsed < TimeSpan.FromSeconds(3), $"readiness took {watch2.Elapsed}");
            Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/system/liveness/")).Status);
        }

        // SIGCONT: nothing restarts, the probe sees Redis again by itself.
        await WaitCacheHealthyAsync();

        // The cache's circuit breaker, opened by the hang's timeouts, skips Redis for up to its open period; then a trial
        // read finds it answering again.
        await TestHttp.WaitUntilAsync(async () =>
        {
            var skipped = (await platform.ScrapeAsync())[Errors];
            await platform.GetAsync($"/api/users/{user}");
            return (await platform.ScrapeAsync())[Errors] == skipped;
        }, TheBot.Monitoring.Caching.CacheCircuitBreaker.OpenFor + TimeSpan.FromSeconds(3), () => "the cache was still skipped after Redis resumed");
        var before = await platform.ScrapeAsync();
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        var after = await platform.ScrapeAsync();
        Assert.Equal(0, after[Errors] - before[Errors]);
        Assert.True(after[Hits] - before[Hits] >= 1, "no cache hit after Redis resumed");
        Assert.Equal(backend, platform.Backend.Process);
    }

    /// <summary>Readiness stays 200 through a cache outage, so recovery is the cache component healthy again and its gauge 1.</summary>
    private async Task WaitCacheHealthyAsync()
    {
        await TestHttp.WaitUntilAsync(async () =>
        {
            var (status, health, _) = await platform.GetAsync("/api/system/health/");
            return status == HttpStatusCode.OK && health.GetProperty("components").GetProperty("cache").GetProperty("status").GetString() == "healthy";
        }, TimeSpan.FromSeconds(20), () => "cache not healthy again 20 s after Redis came back");
        await platform.WaitForMetricsAsync(m => m[CacheUp] == 1, "cache gauge back to 1");
    }
}
