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
        // The inner cache gets a state whose type does not contain TState. With (TState, …) it would be a generic cycle
        // through this override (GetOrCreateAsync<(TState, …), T> → GetOrCreateAsync<((TState, …), …), T> → …), which
        // Native AOT's compiler cannot bound: it then rejected every method of this assembly (BadImageFormatException).
        var read = new Read<TState, T>(state, factory);
        var result = await inner.GetOrCreateAsync<IRead<T>, T>(key, read, static (r, token) => r.CreateAsync(token), options, tags, cancellationToken);
        (read.Missed ? series.Misses : series.Hits).Inc();
        return result;
    }

    /// <inheritdoc />
    public override ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default) =>
        inner.SetAsync(key, value, options, tags, cancellationToken);

    /// <inheritdoc />
    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) => inner.RemoveAsync(key, cancellationToken);

    /// <inheritdoc />
    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default) => inner.RemoveByTagAsync(tag, cancellationToken);

    private interface IRead<T>
    {
        ValueTask<T> CreateAsync(CancellationToken token);
    }

    /// <summary>One read: the caller's state and factory, and whether the factory ran (a miss).</summary>
    private sealed class Read<TState, T>(TState state, Func<TState, CancellationToken, ValueTask<T>> factory) : IRead<T>
    {
        public bool Missed { get; private set; }

        public ValueTask<T> CreateAsync(CancellationToken token)
        {
            Missed = true;
            return factory(state, token);
        }
    }
}
