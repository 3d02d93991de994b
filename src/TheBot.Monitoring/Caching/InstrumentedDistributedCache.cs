using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace TheBot.Monitoring.Caching;

/// <summary>
/// Counts hits and misses of an <see cref="IDistributedCache"/> (Redis in THE_BOT). When the cache is down or hangs a
/// read is counted as an error and a miss and returns null, and a write is dropped and counted as an error: callers
/// fall back to their source of truth instead of failing, and the cache recovers by itself when the server returns.
/// </summary>
/// <remarks>
/// Only a cancellation of the caller's own token is the caller's: it propagates. Any other exception from the client —
/// its timeouts, and the <see cref="OperationCanceledException"/> some clients throw when their own internal timeout or
/// reconnect gives up — is the cache failing, never a reason to fail the request. A
/// <see cref="CacheCircuitBreaker"/> skips a cache whose calls keep timing out, so a hung server costs one call a
/// timeout every <see cref="CacheCircuitBreaker.OpenFor"/> instead of every call; skipped calls count like failed ones.
/// Failures are logged at most once per <see cref="CacheFailureLog.Interval"/>.
/// </remarks>
public sealed class InstrumentedDistributedCache : IDistributedCache, IDisposable, IAsyncDisposable
{
    private readonly IDistributedCache _inner;
    private readonly CacheSeries _series;
    private readonly CacheCircuitBreaker _breaker;
    private readonly CacheFailureLog _log;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="time"/> (the system clock by default) times the breaker and the log.</summary>
    public InstrumentedDistributedCache(IDistributedCache inner, CacheSeries series, ILogger<InstrumentedDistributedCache> logger, TimeProvider? time = null)
    {
        _inner = inner;
        _series = series;
        _breaker = new CacheCircuitBreaker(time ?? TimeProvider.System);
        _log = new CacheFailureLog(logger, time ?? TimeProvider.System);
    }

    /// <summary>The wrapped cache.</summary>
    public IDistributedCache Inner => _inner;

    /// <summary>The breaker in front of <see cref="Inner"/>.</summary>
    public CacheCircuitBreaker Breaker => _breaker;

    /// <summary>
    /// Disposes the wrapped cache when it is disposable. The container disposes this wrapper where it disposed the
    /// cache it replaces, so without this a Redis cache's connection would stay open past the host's shutdown.
    /// </summary>
    public void Dispose() => (_inner as IDisposable)?.Dispose();

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        if (_inner is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public byte[]? Get(string key)
    {
        if (!_breaker.TryEnter())
        {
            return Missed("read", key, null);
        }

        try
        {
            return Count(_inner.Get(key));
        }
        catch (Exception exception) when (IsFailure(exception, default))
        {
            return Missed("read", key, exception);
        }
    }

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        if (!_breaker.TryEnter())
        {
            return Missed("read", key, null);
        }

        try
        {
            return Count(await _inner.GetAsync(key, token));
        }
        catch (Exception exception) when (IsFailure(exception, token))
        {
            return Missed("read", key, exception);
        }
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Write("write", key, () => _inner.Set(key, value, options));

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        WriteAsync("write", key, () => _inner.SetAsync(key, value, options, token), token);

    /// <inheritdoc />
    public void Refresh(string key) => Write("refresh", key, () => _inner.Refresh(key));

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default) => WriteAsync("refresh", key, () => _inner.RefreshAsync(key, token), token);

    /// <inheritdoc />
    public void Remove(string key) => Write("removal", key, () => _inner.Remove(key));

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default) => WriteAsync("removal", key, () => _inner.RemoveAsync(key, token), token);

    private void Write(string operation, string key, Action write)
    {
        if (!_breaker.TryEnter())
        {
            Dropped(operation, key, null);
            return;
        }

        try
        {
            write();
            _breaker.Succeeded();
        }
        catch (Exception exception) when (IsFailure(exception, default))
        {
            Dropped(operation, key, exception);
        }
    }

    private async Task WriteAsync(string operation, string key, Func<Task> write, CancellationToken token)
    {
        if (!_breaker.TryEnter())
        {
            Dropped(operation, key, null);
            return;
        }

        try
        {
            await write();
            _breaker.Succeeded();
        }
        catch (Exception exception) when (IsFailure(exception, token))
        {
            Dropped(operation, key, exception);
        }
    }

    /// <summary>
    /// True when <paramref name="exception"/> is the cache failing (counted, swallowed). False for the caller's own
    /// cancellation and for an invalid argument (a bug of the caller): those propagate. Evaluated in an exception filter,
    /// so it also releases the breaker's trial slot when the caller gave up.
    /// </summary>
    private bool IsFailure(Exception exception, CancellationToken token)
    {
        if (exception is OperationCanceledException && token.IsCancellationRequested)
        {
            _breaker.Abandoned();
            return false;
        }

        if (exception is ArgumentException)
        {
            _breaker.Abandoned();
            return false;
        }

        return true;
    }

    /// <summary>A failure that cost a timeout: the client's own timeout, or its cancellation that the caller did not ask for.</summary>
    private static bool TimedOut(Exception exception) =>
        exception is TimeoutException or OperationCanceledException || exception.InnerException is TimeoutException;

    private byte[]? Count(byte[]? value)
    {
        _breaker.Succeeded();
        (value is null ? _series.Misses : _series.Hits).Inc();
        return value;
    }

    /// <summary>A read that failed (<paramref name="exception"/>) or was skipped by the open breaker (null): a miss and an error.</summary>
    private byte[]? Missed(string operation, string key, Exception? exception)
    {
        Failed(operation, key, "treated as a miss", exception);
        _series.Misses.Inc();
        return null;
    }

    /// <summary>A write that failed or was skipped: an error; the next read misses and fills the entry again.</summary>
    private void Dropped(string operation, string key, Exception? exception) => Failed(operation, key, "dropped", exception);

    private void Failed(string operation, string key, string outcome, Exception? exception)
    {
        if (exception is not null)
        {
            _breaker.Failed(TimedOut(exception));
        }

        _series.Errors.Inc();
        _log.Record(operation, key, outcome, exception);
    }
}
