namespace TheBot.Monitoring.Health;

/// <summary>Tags that decide which endpoint runs a health check.</summary>
public static class HealthTags
{
    /// <summary>Checks that must pass for <c>/readiness/</c> (the service can serve).</summary>
    public const string Ready = "ready";

    /// <summary>Checks that run for <c>/liveness/</c>; by design none of ours do, so liveness never depends on a dependency.</summary>
    public const string Live = "live";
}

/// <summary>What a service with a background job queue tells the job-queue health component.</summary>
public interface IJobQueueMonitor
{
    /// <summary>Jobs waiting to run.</summary>
    long Depth { get; }

    /// <summary>Whether the workers are running.</summary>
    bool IsRunning { get; }
}
