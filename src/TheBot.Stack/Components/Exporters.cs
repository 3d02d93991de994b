namespace TheBot.Stack.Components;

/// <summary>Prometheus node exporter on 127.0.0.1.</summary>
public sealed class NodeExporter(int port)
{
    /// <summary>The exporter binary.</summary>
    public const string Executable = "/usr/bin/prometheus-node-exporter";

    /// <summary>The binaries this component needs installed → the Debian package that ships each (part of <see cref="DebianPackageMap"/>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } = [(Executable, "prometheus-node-exporter")];

    /// <summary>HTTP port on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <summary>Metrics URL.</summary>
    public string MetricsUrl => $"http://127.0.0.1:{Port}/metrics";

    /// <summary>Its row of the services table.</summary>
    public ServiceAccess Access => new("node_exporter", MetricsUrl, "—");

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => HttpComponent.Spec(ServiceNames.NodeExporter, Executable, Port, "/metrics", []) with
    {
        Version = VersionProbe.BuildInfoMetric(MetricsUrl, ServiceNames.NodeExporter),
    };
}

/// <summary>
/// Prometheus PostgreSQL exporter on 127.0.0.1, reading the server through <c>DATA_SOURCE_NAME</c>, with optional
/// custom queries (<c>--extend.query-path</c>). Depends on <c>postgresql</c>; drop that with <c>Spec with { DependsOn = [] }</c>
/// when the server runs elsewhere.
/// </summary>
public sealed class PostgresExporter(int port, string dataSourceName, string? queriesFile = null)
{
    /// <summary>The exporter binary.</summary>
    public const string Executable = "/usr/bin/prometheus-postgres-exporter";

    /// <summary>The binaries this component needs installed → the Debian package that ships each (part of <see cref="DebianPackageMap"/>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } = [(Executable, "prometheus-postgres-exporter")];

    /// <summary>HTTP port on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <summary>Metrics URL.</summary>
    public string MetricsUrl => $"http://127.0.0.1:{Port}/metrics";

    /// <summary>Its row of the services table.</summary>
    public ServiceAccess Access => new("postgres_exporter", MetricsUrl, "—");

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => HttpComponent.Spec(ServiceNames.PostgresExporter, Executable, Port, "/metrics",
        queriesFile is null ? [] : [$"--extend.query-path={queriesFile}"]) with
    {
        Environment = new Dictionary<string, string> { ["DATA_SOURCE_NAME"] = dataSourceName },
        DependsOn = [ServiceNames.PostgreSql],
        Version = VersionProbe.BuildInfoMetric(MetricsUrl, ServiceNames.PostgresExporter),
    };
}

/// <summary>
/// Prometheus Redis exporter on 127.0.0.1 (password through <c>REDIS_PASSWORD</c>, never on the command line).
/// Depends on <c>redis</c>.
/// </summary>
public sealed class RedisExporter(int port, int redisPort, string? redisPassword = null)
{
    /// <summary>The exporter binary.</summary>
    public const string Executable = "/usr/bin/prometheus-redis-exporter";

    /// <summary>The binaries this component needs installed → the Debian package that ships each (part of <see cref="DebianPackageMap"/>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } = [(Executable, "prometheus-redis-exporter")];

    /// <summary>HTTP port on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <summary>Metrics URL.</summary>
    public string MetricsUrl => $"http://127.0.0.1:{Port}/metrics";

    /// <summary>Its row of the services table.</summary>
    public ServiceAccess Access => new("redis_exporter", MetricsUrl, "—");

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => HttpComponent.Spec(ServiceNames.RedisExporter, Executable, Port, "/metrics",
        [$"--redis.addr=redis://127.0.0.1:{redisPort}"]) with
    {
        Environment = redisPassword is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["REDIS_PASSWORD"] = redisPassword },
        DependsOn = [ServiceNames.Redis],
        Version = VersionProbe.BuildInfoMetric(MetricsUrl, ServiceNames.RedisExporter),
    };
}
