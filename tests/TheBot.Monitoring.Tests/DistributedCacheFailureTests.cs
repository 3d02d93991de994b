using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Metrics;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// How <see cref="InstrumentedDistributedCache"/> tells the caller's cancellation from the cache failing, skips a cache
/// that keeps timing out, and logs failures. The wrapped cache is scripted (what it throws and when); the platform tests
/// (DataPathUnderFaultsTests) prove the same against a real Redis stopped with SIGSTOP.
/// </summary>
public sealed class DistributedCacheFailureTests
{
    private readonly ScriptedCache _inner = new();
    private readonly ManualTime _time = new();
    private readonly CapturingLogger _log = new();
    private readonly CacheSeries _series = new CacheMetrics(new MetricRegistry()).For("redis");
    private readonly InstrumentedDistributedCache _cache;

    public DistributedCacheFailureTests() => _cache = new InstrumentedDistributedCache(_inner, _series, _log, _time);

    [Fact]
    public async Task The_callers_own_cancellation_propagates_and_is_neither_a_miss_nor_an_error()
    {
        using var caller = new CancellationTokenSource();
        _inner.Next = token =>
        {
            caller.Cancel();
            token.ThrowIfCancellationRequested();
            return null;
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _cache.GetAsync("k", caller.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _cache.SetAsync("k", [1], new DistributedCacheEntryOptions(), caller.Token));
        Assert.Equal((0, 0, 0), Counts());
        Assert.False(_cache.Breaker.IsOpen);
    }

    [Fact]
    public async Task A_cancellation_from_inside_the_client_is_a_miss_and_an_error_not_the_callers()
    {
        // What RedisCache threw on a frozen Redis: TaskCanceledException, while the request's token was untouched.
        using var caller = new CancellationTokenSource();
        _inner.Next = _ => throw new TaskCanceledException("the client gave up");

        Assert.Null(await _cache.GetAsync("k", caller.Token));
        Assert.Equal((0, 1, 1), Counts());

        // A write that fails the same way is swallowed and counted as an error (the next read fills the entry again).
        _inner.Next = _ => throw new TaskCanceledException("the client gave up");
        await _cache.SetAsync("k", [1], new DistributedCacheEntryOptions(), caller.Token);
        Assert.Equal((0, 1, 2), Counts());
    }

    [Fact]
    public async Task A_client_timeout_is_a_miss_and_an_error_and_an_invalid_argument_still_propagates()
    {
        // A caller's bug is not the cache failing.
        _inner.Next = _ => throw new ArgumentNullException("key");
        await Assert.ThrowsAsync<ArgumentNullException>(() => _cache.GetAsync("k"));
        Assert.Equal((0, 0, 0), Counts());

        _inner.Next = _ => throw new TimeoutException("Timeout awaiting response (outbound=0KiB, inbound=0KiB, 300ms elapsed, timeout is 300ms)");
        Assert.Null(await _cache.GetAsync("k"));
        _inner.Next = _ => throw new TimeoutException("sync timeout");
        Assert.Null(_cache.Get("k"));
        Assert.Equal((0, 2, 2), Counts());
    }

    [Fact]
    public async Task Consecutive_timeouts_open_the_breaker_skipped_calls_count_and_a_trial_after_the_open_period_closes_it()
    {
        _inner.Next = _ => throw new TimeoutException("hung");
        Assert.Null(await _cache.GetAsync("a"));
        Assert.False(_cache.Breaker.IsOpen);
        await _cache.SetAsync("a", [1], new DistributedCacheEntryOptions());
        Assert.True(_cache.Breaker.IsOpen);
        Assert.Equal(2, _inner.Calls);

        // Open: reads are misses and errors, writes errors, and the hung cache is not asked (no timeout to wait for).
        _inner.Next = _ => throw new InvalidOperationException("must not be called while the breaker is open");
        Assert.Null(await _cache.GetAsync("a"));
        await _cache.RemoveAsync("a");
        _time.Advance(CacheCircuitBreaker.OpenFor - TimeSpan.FromMilliseconds(1));
        Assert.Null(await _cache.GetAsync("a"));
        Assert.Equal(2, _inner.Calls);
        Assert.Equal((0, 3, 5), Counts());

        // After the open period one trial goes through; it times out again: open for another period.
        _time.Advance(TimeSpan.FromMilliseconds(1));
        _inner.Next = _ => throw new TimeoutException("still hung");
        Assert.Null(await _cache.GetAsync("a"));
        Assert.Equal(3, _inner.Calls);
        Assert.True(_cache.Breaker.IsOpen);
        Assert.Null(await _cache.GetAsync("a"));
        Assert.Equal(3, _inner.Calls);

        // The server resumed: the next trial answers, the breaker closes and every call goes to the cache again.
        _time.Advance(CacheCircuitBreaker.OpenFor);
        _inner.Next = _ => [42];
        Assert.Equal([42], await _cache.GetAsync("a"));
        Assert.False(_cache.Breaker.IsOpen);
        Assert.Equal([42], await _cache.GetAsync("a"));
        Assert.Equal(5, _inner.Calls);
        Assert.Equal((2, 5, 7), Counts());
    }

    [Fact]
    public async Task A_trial_that_fails_fast_keeps_the_breaker_open_until_a_trial_succeeds()
    {
        _inner.Next = _ => throw new TimeoutException("hung");
        await _cache.GetAsync("a");
        await _cache.GetAsync("a");
        Assert.True(_cache.Breaker.IsOpen);

        // The client reconnects to the hung server and refuses at once meanwhile: the trial failed, stay open.
        _time.Advance(CacheCircuitBreaker.OpenFor);
        _inner.Next = _ => throw new InvalidOperationException("No connection is active/available to service this operation");
        Assert.Null(await _cache.GetAsync("a"));
        Assert.True(_cache.Breaker.IsOpen);
        Assert.Null(await _cache.GetAsync("a"));
        Assert.Equal(3, _inner.Calls);

        _time.Advance(CacheCircuitBreaker.OpenFor);
        _inner.Next = _ => null;
        Assert.Null(await _cache.GetAsync("a"));
        Assert.False(_cache.Breaker.IsOpen);
        Assert.Equal((0, 5, 4), Counts());
    }

    [Fact]
    public async Task Fast_failures_never_open_the_breaker_and_a_success_resets_the_timeout_count()
    {
        // A Redis that is down refuses at once: skipping it would save nothing and delay noticing its return.
        _inner.Next = _ => throw new InvalidOperationException("No connection is active/available to service this operation");
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(await _cache.GetAsync("k"));
        }

        Assert.False(_cache.Breaker.IsOpen);
        Assert.Equal(5, _inner.Calls);

        // Timeouts must be consecutive: one, a success, one more leave it closed.
        _inner.Next = _ => throw new TimeoutException("slow once");
        await _cache.GetAsync("k");
        _inner.Next = _ => null;
        await _cache.GetAsync("k");
        _inner.Next = _ => throw new TimeoutException("slow again");
        await _cache.GetAsync("k");
        Assert.False(_cache.Breaker.IsOpen);
    }

    [Fact]
    public async Task Failures_are_logged_at_most_once_per_interval_with_the_number_left_out()
    {
        _inner.Next = _ => throw new InvalidOperationException("refused");
        for (var i = 0; i < 100; i++)
        {
            await _cache.SetAsync($"k{i}", [1], new DistributedCacheEntryOptions());
        }

        Assert.Single(_log.Warnings);
        Assert.Equal(100, _series.Errors.Value);

        _time.Advance(CacheFailureLog.Interval);
        Assert.Null(await _cache.GetAsync("k"));
        Assert.Equal(2, _log.Warnings.Count);
        Assert.Contains("99 more cache failures", _log.Warnings[1], StringComparison.Ordinal);
        Assert.Contains("treated as a miss", _log.Warnings[1], StringComparison.Ordinal);
    }

    private (long Hits, long Misses, long Errors) Counts() => (_series.Hits.Value, _series.Misses.Value, _series.Errors.Value);

    /// <summary>A cache whose every call runs <see cref="Next"/> (returns a value or throws).</summary>
    private sealed class ScriptedCache : IDistributedCache
    {
        public Func<CancellationToken, byte[]?> Next { get; set; } = _ => null;

        public int Calls { get; private set; }

        public byte[]? Get(string key) => Run(default);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Run(token));

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Run(default);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Task.FromResult(Run(token));

        public void Refresh(string key) => Run(default);

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.FromResult(Run(token));

        public void Remove(string key) => Run(default);

        public Task RemoveAsync(string key, CancellationToken token = default) => Task.FromResult(Run(token));

        private byte[]? Run(CancellationToken token)
        {
            Calls++;
            return Next(token);
        }
    }

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = TimeSpan.FromHours(1).Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private sealed class CapturingLogger : ILogger<InstrumentedDistributedCache>
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }
}
