using Microsoft.Extensions.Caching.Hybrid;

namespace TheBot.Monitoring.Caching;

/// <summary>
/// Counts hits and misses of a <see cref="HybridCache"/>: a read whose factory had to run is a miss,
/// any other read is a hit.
/// </summary>
public sealed class InstrumentedHybridCache(HybridCache inner, CacheSeries series) : HybridCache
{
    /// <inheritdoc />
    public override async ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
    {
        var missed = new StrongBox<bool>();
        var result = await inner.GetOrCreateAsync(key, (state, factory, missed), static (s, token) =>
        {
            s.missed.Value = true;
            return s.factory(s.state, token);
        }, options, tags, cancellationToken);
        (missed.Value ? series.Misses : series.Hits).Inc();
        return result;
    }

    /// <inheritdoc />
    public override ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default) =>
        inner.SetAsync(key, value, options, tags, cancellationToken);

    /// <inheritdoc />
    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) => inner.RemoveAsync(key, cancellationToken);

    /// <inheritdoc />
    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default) => inner.RemoveByTagAsync(tag, cancellationToken);

    private sealed class StrongBox<T>
    {
        public T? Value { get; set; }
    }
}
