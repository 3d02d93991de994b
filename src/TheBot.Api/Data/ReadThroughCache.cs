using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace TheBot.Api.Data;

/// <summary>
/// Cache-aside reads through the service's <see cref="IDistributedCache"/> (Redis, counted by the monitoring library as
/// <c>cache_name="redis"</c>; the in-process fallback without Redis as <c>cache_name="memory"</c>): a hit is served from
/// the cache, a miss (or a cache that is down or hangs) loads from PostgreSQL and stores the value for
/// <see cref="CacheOptions.TimeToLiveSeconds"/>. Concurrent misses on one key share one database read
/// (<see cref="SingleFlight"/>): a burst on a cold key must not open a connection per request.
/// </summary>
public sealed class ReadThroughCache(IDistributedCache cache, IOptions<CacheOptions> options)
{
    private readonly DistributedCacheEntryOptions _entry = new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(options.Value.TimeToLiveSeconds) };
    private readonly SingleFlight _flights = new();

    /// <summary>
    /// The cached value of <paramref name="key"/>, or what <paramref name="load"/> returns (cached unless null). The
    /// load gets no request's token (it may serve many requests); the command timeout bounds it.
    /// </summary>
    public async Task<T?> GetOrLoadAsync<T>(string key, Func<CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
        where T : class
    {
        var cached = await cache.GetAsync(key, cancellationToken);
        if (cached is not null)
        {
            try
            {
                return JsonSerializer.Deserialize<T>(cached, JsonSerializerOptions.Web);
            }
            catch (JsonException)
            {
                // An entry written by another version: reload it.
            }
        }

        // The answer does not wait for the store: only the flight does, so requests that miss meanwhile join it.
        return await _flights.RunAsync(key, load, value => StoreAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.Web)), cancellationToken);
    }

    private async Task StoreAsync(string key, byte[] value)
    {
        try
        {
            // Not the request's token: the write may outlive the request it fills the cache for. The instrumented
            // cache counts a failed write as an error and swallows it.
            await cache.SetAsync(key, value, _entry, CancellationToken.None);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ArgumentException)
        {
            // Nothing to do: the next read misses and tries again.
        }
    }

    /// <summary>Drops <paramref name="key"/> after a write, so the next read sees the database.</summary>
    public Task InvalidateAsync(string key, CancellationToken cancellationToken)
    {
        _flights.Forget(key);
        return cache.RemoveAsync(key, cancellationToken);
    }
}
