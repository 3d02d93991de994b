using TheBot.Cli.Local.Components;
using TheBot.Stack;
using TheBot.Stack.Components;

namespace TheBot.Cli.Local;

/// <summary>
/// The registry of the local stack's components, in the order their processes start: <see cref="LocalStack.Specs"/>,
/// the services table (<see cref="ServiceTable"/>), the Debian package list (<c>DebianPackageMap</c>) and the component
/// verbs' help are derived from it, so a new component is its own file plus one entry here.
/// </summary>
internal static class StackComponents
{
    /// <summary>Every component, in start order (a process starts after those before it, and after its dependencies).</summary>
    public static IReadOnlyList<StackComponent> All { get; } =
    [
        new(ServiceNames.PostgreSql)
        {
            Packages = PostgreSql.Packages,
            Aliases = ["postgres"],
            TablePosition = 110,
            Specs = stack => [stack.Postgres.Spec],
            Rows = (stack, _) => [stack.Postgres.Access],
        },
        new(ServiceNames.Redis)
        {
            Packages = Redis.Packages,
            TablePosition = 120,
            Specs = stack => [stack.Redis.Spec],
            Rows = (stack, _) => [stack.Redis.Access],
        },
        new(ServiceNames.Backend)
        {
            HighAvailabilityInstances = "backend-2…backend-N",
            TablePosition = 10,
            Specs = stack => stack.Topology.BackendNames.Select(name => stack.Backend.Spec(name, stack.Postgres.ConnectionString, stack.Redis.ConnectionString)),
            Rows = (stack, _) => stack.Topology.BackendNames.Select(stack.Backend.Access),
        },
        new(ServiceNames.Frontend)
        {
            TablePosition = 20,
            Specs = stack => [stack.Frontend.Spec(stack.Location.Url(ServiceNames.Backend),
                stack.Topology.HighAvailability ? BackendTargets.FrontendFile(stack.Location.Paths) : null)],
            Rows = (stack, _) => [stack.Frontend.Access(stack.Topology.HighAvailability ? stack.Topology.Backends : null)],
        },
        new(ServiceNames.NodeExporter)
        {
            Packages = NodeExporter.Packages,
            TablePosition = 80,
            Specs = stack => [stack.NodeExporter.Spec],
            Rows = (stack, _) => [stack.NodeExporter.Access],
        },
        new(ServiceNames.PostgresExporter)
        {
            Packages = PostgresExporter.Packages,
            TablePosition = 90,
            Specs = stack => [stack.PostgresExporter.Spec],
            Rows = (stack, _) => [stack.PostgresExporter.Access],
        },
        new(ServiceNames.RedisExporter)
        {
            Packages = RedisExporter.Packages,
            TablePosition = 100,
            Specs = stack => [stack.RedisExporter.Spec],
            Rows = (stack, _) => [stack.RedisExporter.Access],
        },
        new(ServiceNames.Inbox)
        {
            TablePosition = 130,
            Specs = stack => [stack.Inbox.Spec],
            Rows = (stack, _) => [stack.Inbox.Access],
        },
        new(ServiceNames.Alertmanager)
        {
            Packages = Alertmanager.Packages,
            HighAvailabilityInstances = $"{ServiceNames.Alertmanager2}, {ServiceNames.Alertmanager3}",
            TablePosition = 40,
            Specs = stack => stack.Alertmanagers.Select(member => member.Spec),
            Rows = (stack, _) => stack.Alertmanagers.Select(member => member.Access),
        },
        // Long-term store of the HA topology (`up --topology ha`).
        new(ServiceNames.VictoriaMetrics)
        {
            Packages = VictoriaMetrics.Packages,
            Presence = ComponentPresence.HighAvailabilityOnly,
            TablePosition = 50,
            Specs = stack => stack.VictoriaMetrics is { } store ? [store.Spec] : [],
            Rows = (stack, _) => stack.VictoriaMetrics is { } store ? [store.Access] : [],
        },
        new(ServiceNames.Prometheus)
        {
            Packages = Prometheus.Packages,
            HighAvailabilityInstances = ServiceNames.PrometheusB,
            TablePosition = 30,
            Specs = stack => stack.Prometheuses.Select(replica => replica.Spec),
            Rows = (stack, _) => stack.Prometheuses.Select(replica => replica.Access),
        },
        new(ServiceNames.Loki)
        {
            Presence = ComponentPresence.WhereInstalled,
            TablePosition = 70,
            Specs = stack => stack.FindBinary(Loki.Binary) is { } loki ? [stack.Loki.Spec(loki)] : [],
            Rows = (stack, started) => [stack.Loki.Access(started.Contains(ServiceNames.Loki))],
        },
        new(ServiceNames.Grafana)
        {
            Presence = ComponentPresence.WhereInstalled,
            TablePosition = 60,
            Specs = stack => stack.FindBinary(Grafana.Binary) is { } grafana && stack.GrafanaAdminPassword is { Length: > 0 } password
                ? [stack.Grafana.Spec(grafana, password)]
                : [],
            Rows = (stack, started) => [stack.Grafana.Access(started.Contains(ServiceNames.Grafana), stack.FindBinary(Grafana.Binary), stack.GrafanaAdminPassword is { Length: > 0 })],
        },
    ];
}
