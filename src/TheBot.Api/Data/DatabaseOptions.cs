namespace TheBot.Api.Data;

/// <summary>Database settings (section <c>Database</c>); the connection string itself is <c>ConnectionStrings:Postgres</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>
    /// Seconds to wait for a connection; applied unless the connection string sets <c>Timeout</c>. Npgsql also spends
    /// it, up to twice, on the cancel request it sends after a command timeout (SSL negotiation, then the request).
    /// </summary>
    public int ConnectTimeoutSeconds { get; set; } = 1;

    /// <summary>
    /// Seconds a command may run; applied unless the connection string sets <c>Command Timeout</c>. On a hung server —
    /// one that accepts connections but never answers — a request (and the readiness probe) on an open connection
    /// waits this plus up to twice <see cref="ConnectTimeoutSeconds"/> for Npgsql's cancel request: 2 + 2 × 1 = 4 s,
    /// inside the 5 s in which readiness must turn 503.
    /// </summary>
    public int CommandTimeoutSeconds { get; set; } = 2;

    /// <summary>
    /// Most connections the pool opens; applied unless the connection string sets <c>Maximum Pool Size</c>. Below
    /// PostgreSQL's default <c>max_connections</c> (100) with room for the exporter, migrations, the health probe's own
    /// connection and an operator's psql, and above what slow queries under load hold (40 req/s × 0.6 s ≈ 24). A burst
    /// beyond it waits for a free connection (within <see cref="ConnectTimeoutSeconds"/>) instead of forking one more
    /// server process per request. On a small host, many connections opened at once can each take longer than the
    /// connect timeout: lower this there (docs/operations.md, "Backend data path", has the measurements).
    /// </summary>
    public int MaxPoolSize { get; set; } = 50;

    /// <summary>
    /// Connections the pool keeps open when idle, opened once at start-up (after the schema is applied); applied unless
    /// the connection string sets <c>Minimum Pool Size</c>. A burst after a quiet spell then starts on warm connections
    /// instead of paying connection set-up (a server process fork and a SCRAM exchange) on every request. Kept small:
    /// during a hang every pooled connection costs one request the command timeout plus Npgsql's cancel request
    /// (3 s measured); with 10 the tenth request into a frozen server still took that long.
    /// </summary>
    public int MinPoolSize { get; set; } = 2;

    /// <summary>Seconds between attempts to apply the schema while the database is unreachable.</summary>
    public double MigrationRetrySeconds { get; set; } = 2;
}
