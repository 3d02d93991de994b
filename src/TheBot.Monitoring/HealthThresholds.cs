namespace TheBot.Monitoring;

/// <summary>Thresholds of the built-in health components.</summary>
public sealed class HealthThresholds
{
    /// <summary>
    /// Most time one of the library's checks (database, cache, disk, memory, job_queue) may take before it counts
    /// as unhealthy; keeps readiness answering fast when a dependency hangs. Greater than zero, at most one minute.
    /// </summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the background probe runs every check (and refreshes <c>thebot_health_component_up</c>); also the
    /// oldest result health, readiness and liveness answer from. At least 1 ms, at most one hour. In configuration a
    /// bare number is days: write <c>00:00:05</c> for five seconds.
    /// </summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Folder whose file system the disk check watches.</summary>
    public string DiskPath { get; set; } = "/";

    /// <summary>Free-space share under which disk is degraded.</summary>
    public double DiskDegradedFreeRatio { get; set; } = 0.10;

    /// <summary>Free-space share under which disk is unhealthy.</summary>
    public double DiskUnhealthyFreeRatio { get; set; } = 0.02;

    /// <summary>Share of available memory in use over which memory is degraded.</summary>
    public double MemoryDegradedLoadRatio { get; set; } = 0.90;

    /// <summary>Waiting jobs over which the job queue is degraded.</summary>
    public long JobQueueDegradedDepth { get; set; } = 1_000;
}
