namespace TheBot.Cli.Load;

/// <summary>What a run did, per kind and in total; <see cref="LoadReport"/> prints it.</summary>
/// <param name="Settings">What was asked.</param>
/// <param name="Samples">Every finished scheduled request (setup excluded).</param>
/// <param name="Setup">The setup requests.</param>
/// <param name="Started">Scheduled requests actually sent.</param>
/// <param name="Schedule">From the first arrival until the last one was sent.</param>
/// <param name="Skipped">Arrivals not started because too many requests were open.</param>
/// <param name="Elapsed">From the first scheduled arrival until the last request finished (or the drain gave up).</param>
/// <param name="Abandoned">Requests still open when the drain timeout ended the run.</param>
internal sealed record LoadResult(
    LoadSettings Settings, IReadOnlyList<LoadSample> Samples, IReadOnlyList<LoadSample> Setup, long Started, TimeSpan Schedule, long Skipped, TimeSpan Elapsed, long Abandoned)
{
    /// <summary>
    /// Requests sent per second over the requested duration (arrival i is due at i/rps, so the schedule spans the
    /// duration; a generator that fell behind took longer and shows a lower rate).
    /// </summary>
    public double AchievedRps => Started / Math.Max(Schedule.TotalSeconds, Settings.Duration.TotalSeconds);

    /// <summary>Finished requests per second, from the first arrival to the last answer.</summary>
    public double FinishedRps => Elapsed.TotalSeconds <= 0 ? 0 : Samples.Count / Elapsed.TotalSeconds;

    public int ServerErrors => Samples.Count(s => s.Status >= 500);

    /// <summary>Requests whose status is not what the mix meant to get (a deliberate 502 is expected, an unplanned 500 is not).</summary>
    public int Unexpected => Samples.Count(s => !s.AsExpected);
}
