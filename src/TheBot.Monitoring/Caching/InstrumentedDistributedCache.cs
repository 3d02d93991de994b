using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace TheBot.Monitoring.Caching;

/// <summary>
/// Counts hits and misses of an <see cref="IDistributedCache"/> (Redis in THE_BOT). When the cache is down a
/// read is counted as an error and a miss and returns null, and a write is dropped: callers fall back to their
/// source of truth instead of failing, and the cache recovers by itself when the server returns.
/// </summary>
public sealed class InstrumentedDistributedCache(IDistributedCache inner, CacheSeries series, ILogger<InstrumentedDistributedCache> logger) : IDistributedCache
{
    /// <summary>The wrapped cache.</summary>
    public IDistributedCache Inner => inner;

    /// <inheritdoc />
    public byte[]? Get(string key)
    {
        try
        {
            return Count(inner.Get(key));
        }
        catch (Exception exception) when (IsUnavailable(exception))
        {
            return Failed(exception, key);
        }
    }

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        try
        {
            return Count(await inner.GetAsync(key, token));
        }
        catch (Exception exception) when (IsUnavailable(exception))
        {
            return Failed(exception, key);
        }
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Write(key, () => inner.Set(key, value, options));

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        WriteAsync(key, () => inner.SetAsync(key, value, options, token));

    /// <inheritdoc />
    public void Refresh(string key) => Write(key, () => inner.Refresh(key));

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default) => WriteAsync(key, () => inner.RefreshAsync(key, token));

    /// <inheritdoc />
    public void Remove(string key) => Write(key, () => inner.Remove(key));

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default) => WriteAsync(key, () => inner.RemoveAsync(key, token));

    private void Write(string key, Action write)
    {
        try
        {
            write();
        }
        catch (Exception exception) when (IsUnavailable(exception))
        {
            Dropped(exception, key);
        }
    }

    private async Task WriteAsync(string key, Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception exception) when (IsUnavailable(exception))
        {
            Dropped(exception, key);
        }
    }

    private static bool IsUnavailable(Exception exception) => exception is not (OperationCanceledException or ArgumentException);

    private byte[]? Count(byte[]? value)
    {
        (value is null ? series.Misses : series.Hits).Inc();
        return value;
    }

    private byte[]? Failed(Exception exception, string key)
    {
        series.Errors.Inc();
        series.Misses.Inc();
        logger.LogWarning(exception, "cache read of {Key} failed; treated as a miss", key);
        return null;
    }

    private void Dropped(Exception exception, string key)
    {
        series.Errors.Inc();
        logger.LogWarning(exception, "cache write of {Key} failed; dropped", key);
    }
}
