namespace TheBot.Monitoring.Health;

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
