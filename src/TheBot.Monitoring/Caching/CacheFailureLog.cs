using Microsoft.Extensions.Logging;

namespace TheBot.Monitoring.Caching;

/// <summary>
/// Logs cache failures at most once per <see cref="Interval"/>. A cache that is down fails every call; one warning per
/// call would flood the log (and its disk) at the request rate while saying nothing new. The counters
/// (<c>thebot_cache_errors_total</c>) carry the rate; the log carries one example and how many were left out.
/// </summary>
internal sealed partial class CacheFailureLog(ILogger logger, TimeProvider time)
{
    /// <summary>Minimum time between two warnings.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private long _next = long.MinValue;
    private long _suppressed;

    /// <summary>Records a failed <paramref name="operation"/> on <paramref name="key"/>; logs it unless one was logged within the interval.</summary>
    public void Record(string operation, string key, string outcome, Exception? exception)
    {
        long suppressed;
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (now < _next)
            {
                _suppressed++;
                return;
            }

            _next = now + (long)(Interval.TotalSeconds * time.TimestampFrequency);
            suppressed = _suppressed;
            _suppressed = 0;
        }

        LogFailure(logger, exception, operation, key, outcome, exception?.GetType().Name ?? "circuit open", suppressed, Interval.TotalSeconds);
    }

    [LoggerMessage(LogLevel.Warning, "cache {Operation} of {Key} failed ({Reason}); {Outcome}. {Suppressed} more cache failures since the last such warning (logged at most every {IntervalSeconds} s)")]
    private static partial void LogFailure(ILogger logger, Exception? exception, string operation, string key, string outcome, string reason, long suppressed, double intervalSeconds);
}
