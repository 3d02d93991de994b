namespace TheBot.Monitoring.Health;

/// <summary>Tags that decide which endpoint runs a health check.</summary>
public static class HealthTags
{
    /// <summary>
    /// Checks that run for <c>/readiness/</c> (the service can serve): of ours, database, cache and disk. Only an
    /// unhealthy one makes readiness 503 (database unreachable on a new connection, disk under its unhealthy free
    /// share); a degraded one (cache down — reads fall back to the database —, disk getting full) keeps it 200.
    /// </summary>
    public const string Ready = "ready";

    /// <summary>
    /// Checks that run for <c>/liveness/</c>: only the process's own state, never a dependency, so an outage
    /// elsewhere never gets the process restarted. Of ours, memory (degrades, never fails) and job_queue (fails
    /// when the service's job workers stopped, which a restart cures).
    /// </summary>
    public const string Live = "live";
}

/// <summary>Names of the library's health components, as they appear in the health JSON.</summary>
internal static class HealthComponents
{
    public const string Database = "database";
    public const string Cache = "cache";
    public const string Disk = "disk";
    public const string Memory = "memory";
    public const string JobQueue = "job_queue";

    /// <summary>The components whose timeout is <see cref="HealthThresholds.CheckTimeout"/>.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Database, Cache, Disk, Memory, JobQueue };
}

/// <summary>What a service with a background job queue tells the job-queue health component.</summary>
public interface IJobQueueMonitor
{
    /// <summary>Jobs waiting to run.</summary>
    long Depth { get; }

    /// <summary>Whether the workers are running.</summary>
    bool IsRunning { get; }
}
