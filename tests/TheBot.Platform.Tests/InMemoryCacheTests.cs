using System.Net;
using TheBot.Platform.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Platform.Tests;

/// <summary>A backend with no Redis configured reads through an in-process cache, and says so in its metrics.</summary>
[Collection(PlatformCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class InMemoryCacheTests(FullPlatformFixture platform)
{
    [Fact]
    public async Task Without_redis_the_fallback_cache_is_counted_as_memory_not_redis()
    {
        var environment = platform.BackendEnvironment();
        environment["ConnectionStrings__Postgres"] = await platform.Postgres.CreateDatabaseAsync();
        environment["ConnectionStrings__Redis"] = string.Empty;
        await using var backend = await ServiceProcess.StartAsync("TheBot.Api", environment);
        await platform.WaitReadyAsync(backend.Url);

        var (created, user, _) = await platform.SendAsync(HttpMethod.Post, "/api/users", new { name = "Cached", email = $"{Guid.NewGuid():N}@example.org" }, backend.Url);
        Assert.Equal(HttpStatusCode.Created, created);
        var id = user.GetProperty("id").GetInt64();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{id}", backend.Url)).Status);
        }

        var metrics = await platform.ScrapeAsync(backend.Url);
        Assert.Equal(1, metrics["thebot_cache_misses_total{cache_name=\"memory\"}"]);
        Assert.Equal(2, metrics["thebot_cache_hits_total{cache_name=\"memory\"}"]);
        Assert.DoesNotContain(metrics.Series.Keys, k => k.Contains("cache_name=\"redis\"", StringComparison.Ordinal));
        var (_, health, _) = await platform.GetAsync("/api/system/health/", backend.Url);
        Assert.Equal("healthy", health.GetProperty("components").GetProperty("cache").GetProperty("status").GetString());
    }
}
