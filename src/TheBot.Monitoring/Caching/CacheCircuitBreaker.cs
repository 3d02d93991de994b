namespace TheBot.Monitoring.Caching;

/// <summary>
/// Skips a cache that hangs. A cache that is down fails fast and costs a request nothing, but one that hangs (accepts
/// the connection, never answers) costs every call its client's timeout. After <see cref="Threshold"/> consecutive
/// timed-out calls the breaker opens: calls are skipped (the caller counts them as misses and errors and goes to its
/// source of truth) for <see cref="OpenFor"/>; then one trial call goes through. A trial that succeeds closes the
/// breaker; a trial that fails in any way opens it again (a client that has just given up on a hung server may fail
/// the next calls fast while it reconnects, and closing on those would let every call wait for the next timeout). So a
/// hung cache costs one call per <see cref="OpenFor"/> a timeout, and a cache that resumes is used again at most
/// <see cref="OpenFor"/> later. Fast failures alone (a server that is down and refuses) never open it: they cost nothing.
/// </summary>
public sealed class CacheCircuitBreaker(TimeProvider time)
{
    /// <summary>Consecutive timed-out calls that open the breaker (two: one read plus its write, or two reads).</summary>
    public const int Threshold = 2;

    /// <summary>How long an open breaker skips the cache before one trial call.</summary>
    public static readonly TimeSpan OpenFor = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private int _consecutiveTimeouts;
    private long _openUntil;
    private bool _open;
    private bool _trialInFlight;

    /// <summary>True while calls are being skipped (open, and not yet time for a trial or a trial is running).</summary>
    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    /// <summary>Whether a call may go to the cache now; when it returns true the caller must report the outcome.</summary>
    public bool TryEnter()
    {
        lock (_lock)
        {
            if (!_open)
            {
                return true;
            }

            if (_trialInFlight || time.GetTimestamp() < _openUntil)
            {
                return false;
            }

            _trialInFlight = true;
            return true;
        }
    }

    /// <summary>The call answered (hit or miss): the cache works.</summary>
    public void Succeeded()
    {
        lock (_lock)
        {
            _consecutiveTimeouts = 0;
            _open = false;
            _trialInFlight = false;
        }
    }

    /// <summary>
    /// The call failed. <paramref name="timedOut"/>: it hung until a timeout (what the breaker exists for); otherwise it
    /// failed fast (connection refused, no connection), which neither counts towards opening nor resets the count, but
    /// fails a trial.
    /// </summary>
    public void Failed(bool timedOut)
    {
        lock (_lock)
        {
            if (timedOut)
            {
                _consecutiveTimeouts++;
            }

            if (_trialInFlight || _consecutiveTimeouts >= Threshold)
            {
                _open = true;
                _trialInFlight = false;
                _openUntil = time.GetTimestamp() + (long)(OpenFor.TotalSeconds * time.TimestampFrequency);
            }
        }
    }

    /// <summary>The caller gave up (its own cancellation): no news about the cache; a trial slot is freed for the next call.</summary>
    public void Abandoned()
    {
        lock (_lock)
        {
            _trialInFlight = false;
        }
    }
}
