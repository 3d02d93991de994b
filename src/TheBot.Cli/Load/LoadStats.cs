namespace TheBot.Cli.Load;

/// <summary>One finished request: its kind, HTTP status (101 for a WebSocket session, 0 when no answer came), the status the mix meant to get, and latency.</summary>
internal readonly record struct LoadSample(string Kind, int Status, int Expected, double Milliseconds)
{
    public bool AsExpected => Status == Expected;
}

/// <summary>
/// Thread-safe record of every finished request of a run, kept in completion order, so the progress line can look
/// at the last interval and the summary at the whole run. Bounded by the schedule (at most rps × duration entries).
/// </summary>
internal sealed class LoadStats
{
    private readonly List<LoadSample> _samples = [];
    private readonly Lock _gate = new();
    private long _skipped;

    /// <summary>Arrivals not started because <see cref="LoadSettings.MaxInFlight"/> requests were already open.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _samples.Count;
            }
        }
    }

    public void Add(LoadSample sample)
    {
        lock (_gate)
        {
            _samples.Add(sample);
        }
    }

    public void Skip() => Interlocked.Increment(ref _skipped);

    /// <summary>A copy of the samples from index <paramref name="from"/> on.</summary>
    public IReadOnlyList<LoadSample> Since(int from)
    {
        lock (_gate)
        {
            return from >= _samples.Count ? [] : _samples.GetRange(from, _samples.Count - from);
        }
    }

    /// <summary>"2xx", "4xx", "5xx", "101" for WebSocket upgrades, "failed" when no HTTP answer came (refused, reset, timeout).</summary>
    public static string StatusClass(int status) => status switch
    {
        0 => "failed",
        101 => "ws",
        _ => $"{status / 100}xx",
    };

    /// <summary>True for what the progress line calls an error: a 5xx or no answer at all.</summary>
    public static bool IsError(int status) => status is 0 or >= 500;

    /// <summary>Nearest-rank percentile (<paramref name="p"/> in 0..100) of <paramref name="values"/>; NaN when empty.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
