using TheBot.Stack;

namespace TheBot.Cli.Stack;

/// <summary>
/// The seed's "Access Services" table for a local stack: real URLs and where the credentials are; in the HA topology one
/// row per member (every backend instance, both Prometheus replicas, the three Alertmanager members, VictoriaMetrics).
/// </summary>
internal static class ServiceTable
{
    public static IReadOnlyList<(string Service, string Url, string Credentials)> Rows(LocalStack stack, IReadOnlyCollection<string> started)
    {
        var location = stack.Location;
        var secrets = location.Paths.Secrets;
        string Compose(string service) => $"not installed here: docker-compose -f monitoring/docker-compose.monitoring.yml up -d {service}";
        var topology = stack.Topology;
        var ha = topology.HighAvailability;
        return
        [
            .. topology.BackendNames.Select(name => (name, location.Url(name), $"system endpoints: Bearer {location.Paths.SecretFile(SecretNames.ScrapeToken)} (scrape), {location.Paths.SecretFile(SecretNames.AdminToken)} (admin)")),
            ("frontend", location.Url(ServiceNames.Frontend), ha ? $"—; load-balances across {topology.Backends} backend instance(s)" : "—"),
            .. topology.PrometheusReplicas.Select(r => (r.Replica is null ? "Prometheus" : $"Prometheus {r.Name} (replica {r.Replica})",
                location.Url(r.Name), "no auth, loopback only; admin API on; histograms: " + topology.HistogramMode)),
            .. topology.AlertmanagerMembers.Select(member => (ha ? $"Alertmanager {member}" : "Alertmanager", location.Url(member),
                ha ? $"no auth, loopback only; gossip on 127.0.0.1:{location.Ports[ServiceNames.ClusterPort(member)]}" : "no auth, loopback only")),
            .. ha ? [("VictoriaMetrics", location.Url(ServiceNames.VictoriaMetrics), "no auth, loopback only; remote_write from both replicas, dedup on")]
                : Array.Empty<(string, string, string)>(),
            ("Grafana", started.Contains(ServiceNames.Grafana) ? location.Url(ServiceNames.Grafana) : GrafanaMissing(stack, Compose("grafana")),
                started.Contains(ServiceNames.Grafana) ? "admin / $GRAFANA_ADMIN_PASSWORD" : "needs GRAFANA_ADMIN_PASSWORD (no default)"),
            ("Loki", started.Contains(ServiceNames.Loki) ? location.Url(ServiceNames.Loki) : Compose("loki"), "no auth"),
            ("node_exporter", location.Url(ServiceNames.NodeExporter) + "/metrics", "—"),
            ("postgres_exporter", location.Url(ServiceNames.PostgresExporter) + "/metrics", "—"),
            ("redis_exporter", location.Url(ServiceNames.RedisExporter) + "/metrics", "—"),
            ("PostgreSQL", $"postgresql://127.0.0.1:{location.Ports[ServiceNames.PostgreSql]}/thebot", $"user postgres, password in {secrets}/postgres-password"),
            ("Redis", $"redis://127.0.0.1:{location.Ports[ServiceNames.Redis]}", "loopback only"),
            ("notification inbox", location.Url(ServiceNames.Inbox) + "/notifications", $"local receivers write to {stack.InboxDirectory}/notifications.jsonl"),
        ];
    }

    /// <summary>Why a local Grafana is not running: installed but without its admin password, or not installed.</summary>
    private static string GrafanaMissing(LocalStack stack, string compose) =>
        stack.FindBinary(Components.Grafana.Binary) is { } installed && stack.GrafanaAdminPassword is not { Length: > 0 }
            ? $"installed ({installed}) but not started: set GRAFANA_ADMIN_PASSWORD and run up again"
            : compose;

    public static void Print(TextWriter output, IEnumerable<(string Service, string Url, string Credentials)> rows)
    {
        var list = rows.ToList();
        var serviceWidth = list.Max(r => r.Service.Length);
        var urlWidth = list.Max(r => r.Url.Length);
        output.WriteLine($"  {"service".PadRight(serviceWidth)}  {"URL".PadRight(urlWidth)}  credentials");
        foreach (var (service, url, credentials) in list)
        {
            output.WriteLine($"  {service.PadRight(serviceWidth)}  {url.PadRight(urlWidth)}  {credentials}");
        }
    }
}
