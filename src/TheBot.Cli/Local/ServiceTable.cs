using TheBot.Stack;

namespace TheBot.Cli.Local;

/// <summary>
/// The seed's "Access Services" table for a local stack: real URLs and where the credentials are; in the HA topology one
/// row per member (every backend instance, both Prometheus replicas, the three Alertmanager members, VictoriaMetrics).
/// </summary>
internal static class ServiceTable
{
    /// <summary>
    /// Each component's rows (each writes its own, <see cref="ServiceAccess"/>), components ordered by their
    /// <see cref="StackComponent.TablePosition"/>: the order a person looks for them (the platform, monitoring, the
    /// exporters, the data stores, the inbox). <paramref name="started"/> tells the optional components (Grafana, Loki)
    /// apart from those not running here.
    /// </summary>
    public static IReadOnlyList<ServiceAccess> Rows(LocalStack stack, IReadOnlyCollection<string> started) =>
        [.. StackComponents.All.OrderBy(component => component.TablePosition).SelectMany(component => component.Rows(stack, started))];

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
