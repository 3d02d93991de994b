using TheBot.Stack;

namespace TheBot.Cli.Local;

/// <summary>
/// The seed's "Access Services" table for a local stack: real URLs and where the credentials are; in the HA topology one
/// row per member (every backend instance, both Prometheus replicas, the three Alertmanager members, VictoriaMetrics).
/// </summary>
internal static class ServiceTable
{
    /// <summary>
    /// One row per component (each writes its own, <see cref="ServiceAccess"/>), in the order a person looks for them:
    /// the platform, monitoring, the exporters, the data stores, the inbox. <paramref name="started"/> tells the optional
    /// components (Grafana, Loki) apart from those not running here.
    /// </summary>
    public static IReadOnlyList<ServiceAccess> Rows(LocalStack stack, IReadOnlyCollection<string> started)
    {
        var topology = stack.Topology;
        return
        [
            .. topology.BackendNames.Select(stack.Backend.Access),
            stack.Frontend.Access(topology.HighAvailability ? topology.Backends : null),
            .. stack.Prometheuses.Select(replica => replica.Access),
            .. stack.Alertmanagers.Select(member => member.Access),
            .. stack.VictoriaMetrics is { } store ? [store.Access] : Array.Empty<ServiceAccess>(),
            stack.Grafana.Access(started.Contains(ServiceNames.Grafana), stack.FindBinary(Components.Grafana.Binary), stack.GrafanaAdminPassword is { Length: > 0 }),
            stack.Loki.Access(started.Contains(ServiceNames.Loki)),
            stack.NodeExporter.Access,
            stack.PostgresExporter.Access,
            stack.RedisExporter.Access,
            stack.Postgres.Access,
            stack.Redis.Access,
            stack.Inbox.Access,
        ];
    }

    public static void Print(TextWriter output, IEnumerable<ServiceAccess> rows)
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
