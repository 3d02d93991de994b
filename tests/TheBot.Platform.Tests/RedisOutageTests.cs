using System.Net;
using TheBot.Platform.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>Redis goes away and comes back while the backend runs: reads fall back to PostgreSQL.</summary>
public sealed class RedisOutageTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    private const string Hits = "thebot_cache_hits_total{cache_name=\"redis\"}";
    private const string Misses = "thebot_cache_misses_total{cache_name=\"redis\"}";
    private const string Errors = "thebot_cache_errors_total{cache_name=\"redis\"}";

    [Fact]
    public async Task Reads_fall_back_to_the_database_misses_are_counted_health_is_degraded_and_it_recovers()
    {
        var user = await platform.CreateUserAsync();
        var start = await platform.ScrapeAsync();
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        var warm = await platform.ScrapeAsync();
        Assert.Equal((1.0, 1.0, 0.0), (warm[Misses] - start[Misses], warm[Hits] - start[Hits], warm[Errors] - start[Errors]));

        await platform.Redis.StopAsync();
        await TestHttp.WaitUntilAsync(async () =>
        {
            var (_, health, _) = await platform.GetAsync("/api/system/health/");
            return health.GetProperty("components").GetProperty("cache").GetProperty("status").GetString() == "degraded";
        }, TimeSpan.FromSeconds(5), () => "cache not degraded 5 s after Redis stopped");
        var (healthStatus, overall, _) = await platform.GetAsync("/api/system/health/");
        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal("degraded", overall.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await platform.GetAsync("/api/system/readiness/")).Status);
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/system/liveness/")).Status);

        var beforeReads = await platform.ScrapeAsync();
        for (var i = 0; i < 3; i++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (status, body, _) = await platform.GetAsync($"/api/users/{user}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(user, body.GetProperty("id").GetInt64());
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"read took {watch.Elapsed}");
        }

        var down = await platform.ScrapeAsync();
        // Each read: the failed GET is an error and a miss, the dropped SET an error; nothing is a hit.
        Assert.Equal((3.0, 0.0, 6.0), (down[Misses] - beforeReads[Misses], down[Hits] - beforeReads[Hits], down[Errors] - beforeReads[Errors]));
        Assert.Equal(3, MetricsSnapshot.Delta(beforeReads, down, "thebot_db_queries_total{database=\"thebot\",operation=\"select\",table=\"users\"}"));

        await platform.Redis.StartAsync();
        await platform.WaitReadyAsync(platform.Url, TimeSpan.FromSeconds(20));
        var (_, healthy, _) = await platform.GetAsync("/api/system/health/");
        Assert.Equal("healthy", healthy.GetProperty("components").GetProperty("cache").GetProperty("status").GetString());

        var beforeRecovery = await platform.ScrapeAsync();
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        var recovered = await platform.ScrapeAsync();
        // Redis came back empty: one miss fills it, the next read hits.
        Assert.Equal((1.0, 1.0, 0.0), (recovered[Misses] - beforeRecovery[Misses], recovered[Hits] - beforeRecovery[Hits], recovered[Errors] - beforeRecovery[Errors]));
    }
}
