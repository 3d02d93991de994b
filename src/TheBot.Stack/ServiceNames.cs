namespace TheBot.Stack;

/// <summary>Service names of the stack (contract §3); they name processes, logs, pid files and ports.</summary>
public static class ServiceNames
{
    /// <summary>The reference backend.</summary>
    public const string Backend = "backend";

    /// <summary>The reference frontend host.</summary>
    public const string Frontend = "frontend";

    /// <summary>Prometheus.</summary>
    public const string Prometheus = "prometheus";

    /// <summary>Alertmanager.</summary>
    public const string Alertmanager = "alertmanager";

    /// <summary>Grafana (only where installed).</summary>
    public const string Grafana = "grafana";

    /// <summary>Loki (only where installed).</summary>
    public const string Loki = "loki";

    /// <summary>Prometheus node exporter.</summary>
    public const string NodeExporter = "node_exporter";

    /// <summary>Prometheus PostgreSQL exporter.</summary>
    public const string PostgresExporter = "postgres_exporter";

    /// <summary>Prometheus Redis exporter.</summary>
    public const string RedisExporter = "redis_exporter";

    /// <summary>PostgreSQL.</summary>
    public const string PostgreSql = "postgresql";

    /// <summary>Redis.</summary>
    public const string Redis = "redis";

    /// <summary>The local notification inbox (not in contract §3: it stands in for the real receivers on one machine).</summary>
    public const string Inbox = "inbox";

    /// <summary>VictoriaMetrics single-node, the HA topology's long-term store (not in the single-node stack).</summary>
    public const string VictoriaMetrics = "victoriametrics";

    /// <summary>The second Prometheus replica of the HA topology (the first, replica <c>a</c>, is <see cref="Prometheus"/>).</summary>
    public const string PrometheusB = "prometheus-b";

    /// <summary>The second and third Alertmanager cluster members of the HA topology (the first is <see cref="Alertmanager"/>).</summary>
    public const string Alertmanager2 = "alertmanager-2";

    /// <inheritdoc cref="Alertmanager2"/>
    public const string Alertmanager3 = "alertmanager-3";

    /// <summary>
    /// Backend instance <paramref name="number"/> (1-based): the first keeps contract §3's name <c>backend</c>, so the
    /// single-node stack and every verb that names it work unchanged; the others are <c>backend-2</c>, <c>backend-3</c>…
    /// </summary>
    public static string BackendInstance(int number) => number == 1 ? Backend : $"{Backend}-{number}";

    /// <summary>
    /// The service an HA member is an instance of (<c>backend-2</c> → <c>backend</c>, <c>prometheus-b</c> →
    /// <c>prometheus</c>, <c>alertmanager-3</c> → <c>alertmanager</c>); any other name is its own.
    /// </summary>
    public static string KindOf(string name) => name switch
    {
        PrometheusB => Prometheus,
        Alertmanager2 or Alertmanager3 => Alertmanager,
        _ when name.StartsWith(Backend + "-", StringComparison.Ordinal) => Backend,
        _ => name,
    };

    /// <summary>The key of a service's gRPC port in <see cref="PortPlan"/>, e.g. <c>loki-grpc</c>.</summary>
    public static string GrpcPort(string service) => service + "-grpc";

    /// <summary>The key of an Alertmanager member's gossip (cluster) port in <see cref="PortPlan"/>, e.g. <c>alertmanager-cluster</c>.</summary>
    public static string ClusterPort(string member) => member + "-cluster";
}
