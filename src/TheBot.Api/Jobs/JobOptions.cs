namespace TheBot.Api.Jobs;

/// <summary>Settings of the job queue (section <c>Jobs</c>).</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

    /// <summary>Jobs run concurrently.</summary>
    public int Workers { get; set; } = 2;

    /// <summary>Runs of one job before it fails for good (transient errors only are retried).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Wait before a retry, multiplied by the attempt number.</summary>
    public int RetryDelayMilliseconds { get; set; } = 1000;

    /// <summary>Most jobs waiting; enqueueing past it is refused (503).</summary>
    public int Capacity { get; set; } = 10_000;
}
