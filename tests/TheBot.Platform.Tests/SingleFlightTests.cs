using TheBot.Api.Data;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>The keyed single flight behind <see cref="ReadThroughCache"/>: what waits for what, and what is not shared.</summary>
public sealed class SingleFlightTests
{
    private readonly SingleFlight _flights = new();

    [Fact]
    public async Task Concurrent_callers_of_one_key_share_one_load_and_the_key_is_held_until_the_store_ends()
    {
        var loads = 0;
        var release = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<string?> Load(CancellationToken _)
        {
            Interlocked.Increment(ref loads);
            return release.Task;
        }

        var callers = Enumerable.Range(0, 64).Select(_ => _flights.RunAsync("users:1", Load, _ => stored.Task, CancellationToken.None)).ToArray();
        Assert.Equal(1, _flights.InFlight);
        release.SetResult("value");
        Assert.All(await Task.WhenAll(callers), v => Assert.Equal("value", v));
        Assert.Equal(1, loads);

        // The answers went out, the store has not ended: a late caller still joins instead of loading again.
        Assert.Equal("value", await _flights.RunAsync("users:1", Load, _ => Task.CompletedTask, CancellationToken.None));
        Assert.Equal(1, loads);
        stored.SetResult();
        await WaitUntilAsync(() => _flights.InFlight == 0);

        // Once it ended, the next caller loads anew (the cache has the value by then; this one missed it).
        Assert.Equal("value", await _flights.RunAsync("users:1", Load, _ => Task.CompletedTask, CancellationToken.None));
        Assert.Equal(2, loads);
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_load_for_the_others_and_other_keys_are_not_shared()
    {
        var release = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken loadToken = default;
        using var impatient = new CancellationTokenSource();
        var first = _flights.RunAsync("k", ct =>
        {
            loadToken = ct;
            return release.Task;
        }, _ => Task.CompletedTask, impatient.Token);
        var second = _flights.RunAsync<string>("k", _ => throw new InvalidOperationException("joined, must not load"), _ => Task.CompletedTask, CancellationToken.None);
        var other = _flights.RunAsync<string>("other", _ => Task.FromResult<string?>("other value"), _ => Task.CompletedTask, CancellationToken.None);

        impatient.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.False(loadToken.CanBeCanceled);
        release.SetResult("value");
        Assert.Equal("value", await second);
        Assert.Equal("other value", await other);
    }

    [Fact]
    public async Task A_failed_load_fails_every_waiter_is_not_remembered_and_forget_starts_a_new_flight()
    {
        var release = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiters = Enumerable.Range(0, 3).Select(_ => _flights.RunAsync("k", _ => release.Task, _ => Task.CompletedTask, CancellationToken.None)).ToArray();
        release.SetException(new TimeoutException("database timed out"));
        foreach (var waiter in waiters)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => waiter);
        }

        await WaitUntilAsync(() => _flights.InFlight == 0);
        Assert.Equal("fresh", await _flights.RunAsync("k", _ => Task.FromResult<string?>("fresh"), _ => Task.CompletedTask, CancellationToken.None));

        // After a write: a flight still storing the old value is dropped, so the next reader loads the new one.
        var storing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Equal("old", await _flights.RunAsync("k", _ => Task.FromResult<string?>("old"), _ => storing.Task, CancellationToken.None));
        _flights.Forget("k");
        Assert.Equal("new", await _flights.RunAsync("k", _ => Task.FromResult<string?>("new"), _ => Task.CompletedTask, CancellationToken.None));
        storing.SetResult();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
