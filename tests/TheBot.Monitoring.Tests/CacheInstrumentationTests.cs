using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Monitoring.Tests;

public sealed class CacheInstrumentationTests
{
    [Fact]
    public async Task Memory_and_hybrid_caches_are_counted_under_their_own_names()
    {
        await using var app = await TestApp.StartAsync(a =>
        {
            a.MapGet("/memory", (IMemoryCache cache) =>
            {
                var found = cache.TryGetValue("k", out _);
                cache.Set("k", 1);
                return found;
            });
            a.MapGet("/hybrid", async (HybridCache cache) => await cache.GetOrCreateAsync("h", _ => ValueTask.FromResult(42)));
        }, services =>
        {
            services.AddMemoryCache();
            services.AddHybridCache();
        });

        for (var i = 0; i < 3; i++)
        {
            await app.Client.GetAsync("/memory");
            await app.Client.GetAsync("/hybrid");
        }

        var text = await app.ScrapeAsync();
        // Only /memory's own reads count under "memory" (miss, hit, hit): HybridCache's local tier uses the same
        // MemoryCache, but unwrapped, so its reads count once, under "hybrid".
        Assert.Equal(1, Exposition.Value(text, "thebot_cache_misses_total", ("cache_name", "memory")));
        Assert.Equal(2, Exposition.Value(text, "thebot_cache_hits_total", ("cache_name", "memory")));
        Assert.Equal(1, Exposition.Value(text, "thebot_cache_misses_total", ("cache_name", "hybrid")));
        Assert.Equal(2, Exposition.Value(text, "thebot_cache_hits_total", ("cache_name", "hybrid")));
    }

    [Trait(TestCategory.Name, TestCategory.RealServers)]
    [Fact]
    public async Task With_redis_down_reads_count_as_errors_and_misses_health_degrades_and_it_recovers()
    {
        await using var redis = await TheBot.Testing.RedisServer.StartNewAsync();
        await using var app = await TestApp.StartAsync(a => a.MapGet("/read", async (IDistributedCache cache) =>
        {
            var value = await cache.GetStringAsync("key");
            await cache.SetStringAsync("key", "v");
            return value ?? "from-source";
        }), services => services.AddStackExchangeRedisCache(o => o.Configuration = redis.ConnectionString + ",connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000,abortConnect=false"),
            settings: new Dictionary<string, string?> { ["Monitoring:Health:ProbeInterval"] = "00:00:01" });

        Assert.Equal("from-source", await app.Client.GetStringAsync("/read"));
        Assert.Equal("v", await app.Client.GetStringAsync("/read"));

        await redis.StopAsync();
        Assert.Equal("from-source", await app.Client.GetStringAsync("/read"));
        // Health answers from the background probe's results (at most ProbeInterval old): degraded by the next probe.
        await TheBot.Testing.TestHttp.WaitUntilAsync(async () =>
            (await (await app.GetAsync("/api/system/health/", null)).Content.ReadAsStringAsync()).Contains("\"cache\":{\"status\":\"degraded\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5), () => "cache not degraded 5 s after Redis stopped");
        Assert.Contains("thebot_health_component_up{component=\"cache\"} 0\n", await app.ScrapeAsync());

        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_cache_hits_total", ("cache_name", "redis")));
        Assert.Equal(2, Exposition.Value(text, "thebot_cache_misses_total", ("cache_name", "redis")));
        Assert.True(Exposition.Value(text, "thebot_cache_errors_total", ("cache_name", "redis")) >= 1);

        await redis.StartAsync();
        await TheBot.Testing.TestHttp.WaitUntilAsync(async () => await app.Client.GetStringAsync("/read") == "v",
            TimeSpan.FromSeconds(20), () => "the cache did not recover after Redis came back");
    }

    /// <summary>A distributed cache that only records whether it was disposed.</summary>
    private sealed class DisposableCache : IDistributedCache, IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;

        public byte[]? Get(string key) => null;

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult<byte[]?>(null);

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key)
        {
        }

        public Task RemoveAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
        {
        }

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Task.CompletedTask;
    }

    [Fact]
    public async Task The_wrapped_distributed_cache_is_disposed_with_the_host_as_it_was_without_the_library()
    {
        // The container disposes what the registration's factory returns, now the wrapper: a Redis cache's connection
        // must still be closed when the host stops.
        var cache = new DisposableCache();
        var app = await TestApp.StartAsync(_ => { }, services => services.AddSingleton<IDistributedCache>(_ => cache));
        Assert.IsType<TheBot.Monitoring.Caching.InstrumentedDistributedCache>(app.Services.GetRequiredService<IDistributedCache>());
        Assert.False(cache.Disposed);
        await app.DisposeAsync();
        Assert.True(cache.Disposed, "the cache the library wraps was not disposed with the host");
    }
}
