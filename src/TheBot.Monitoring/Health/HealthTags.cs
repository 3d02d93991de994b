namespace TheBot.Monitoring.Health;

/// <summary>Tags that decide which endpoint runs a health check.</summary>
public static class HealthTags
{
    /// <summary>
    /// Checks that run for <c>/readiness/</c> (the service can serve): of ours, database, cache and disk. Only an
    /// unhealthy one makes readiness 503 (database unreachable — on a new connection with TheBot.Monitoring.Npgsql's
    /// probe, otherwise through the pool —, disk under its unhealthy free
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
