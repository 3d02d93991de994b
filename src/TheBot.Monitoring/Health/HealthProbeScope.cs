namespace TheBot.Monitoring.Health;

/// <summary>
/// Marks the async flow of a health check that goes through the application's own instrumented client (an EF Core
/// context), so that its pings are not counted as application queries or connection errors: a probe every few
/// seconds against a database that is down would otherwise multiply <c>thebot_db_connection_errors_total</c>.
/// (The data source check needs no mark: it pings the uninstrumented inner data source.)
/// </summary>
internal static class HealthProbeScope
{
    private static readonly AsyncLocal<bool> Probing = new();

    /// <summary>Whether the current flow is a health check's.</summary>
    public static bool Active => Probing.Value;

    /// <summary>Marks the rest of the current async flow (the check's own) as a health check's.</summary>
    public static void Enter() => Probing.Value = true;
}
