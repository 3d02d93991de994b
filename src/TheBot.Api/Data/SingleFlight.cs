using System.Collections.Concurrent;

namespace TheBot.Api.Data;

/// <summary>
/// Coalesces concurrent loads of one key: while a load of a key runs, every other caller for that key awaits the same
/// load instead of starting its own. A burst on a cold cache key then costs the database one read, not one read (and
/// one new connection) per request.
/// </summary>
/// <remarks>
/// The load runs without any caller's token: it serves every waiter, so the first caller's disconnect must not cancel it
/// for the others (the database command timeout bounds it). Each caller stops waiting on its own token. A failed load is
/// not remembered: every waiter gets its exception and the next caller tries again.
/// </remarks>
public sealed class SingleFlight
{
    private readonly ConcurrentDictionary<string, Task<object?>> _flights = new(StringComparer.Ordinal);

    /// <summary>Number of keys with a load in flight (or a result still being stored).</summary>
    public int InFlight => _flights.Count;

    /// <summary>
    /// The result of the load of <paramref name="key"/> already in flight, or of <paramref name="load"/> started now.
    /// <paramref name="after"/> starts once the value is known, before the callers get it, and the key is released only
    /// when it ends (it stores the value in the cache, so callers that miss while the store is under way join this
    /// flight instead of reading the database again). It must not throw: its failure would be lost.
    /// </summary>
    public async Task<T?> RunAsync<T>(string key, Func<CancellationToken, Task<T?>> load, Func<T, Task> after, CancellationToken cancellationToken)
        where T : class
    {
        var mine = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var flight = _flights.GetOrAdd(key, mine.Task);
        if (flight == mine.Task)
        {
            _ = FlyAsync(key, mine, load, after);
        }

        return (T?)await flight.WaitAsync(cancellationToken);
    }

    /// <summary>Forgets the flight of <paramref name="key"/>, if any, so the next caller loads anew (after a write).</summary>
    public void Forget(string key) => _flights.TryRemove(key, out _);

    private async Task FlyAsync<T>(string key, TaskCompletionSource<object?> flight, Func<CancellationToken, Task<T?>> load, Func<T, Task> after)
        where T : class
    {
        try
        {
            T? value;
            try
            {
                value = await load(CancellationToken.None);
            }
            catch (Exception exception)
            {
                flight.SetException(exception);

                // Observed here so that a failure all of whose waiters gave up is not reported as unobserved.
                _ = flight.Task.Exception;
                return;
            }

            // The store is sent before the waiters are released: a caller's next read, sent after its answer, then
            // queues behind the store on the cache's connection and hits, instead of missing once more.
            var stored = value is null ? Task.CompletedTask : after(value);
            flight.SetResult(value);
            await stored;
        }
        finally
        {
            // Only this flight: after a Forget another flight may own the key by now.
            _flights.TryRemove(new KeyValuePair<string, Task<object?>>(key, flight.Task));
        }
    }
}
