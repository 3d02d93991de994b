using Microsoft.Extensions.Caching.Memory;

namespace TheBot.Monitoring.Caching;

/// <summary>Counts hits and misses of an <see cref="IMemoryCache"/>.</summary>
public sealed class InstrumentedMemoryCache(IMemoryCache inner, CacheSeries series) : IMemoryCache
{
    /// <summary>The wrapped cache.</summary>
    public IMemoryCache Inner => inner;

    /// <inheritdoc />
    public bool TryGetValue(object key, out object? value)
    {
        var found = inner.TryGetValue(key, out value);
        (found ? series.Hits : series.Misses).Inc();
        return found;
    }

    /// <inheritdoc />
    public ICacheEntry CreateEntry(object key) => inner.CreateEntry(key);

    /// <inheritdoc />
    public void Remove(object key) => inner.Remove(key);

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();
}
