using TheBot.Stack;
using TheBot.Stack.Components;
using Xunit;

namespace TheBot.Stack.Tests;

/// <summary>Each component names the Debian package of its binary on its spec, for the error when it is missing.</summary>
public sealed class ComponentPackageTests
{
    [Fact]
    public void Components_name_the_package_of_their_binary()
    {
        var paths = StackPaths.CreateTemporary("thebot-packages-");
        try
        {
            var ports = PortPlan.Default;
            ProcessSpec[] specs =
            [
                new Redis(paths, ports[ServiceNames.Redis]).Spec,
                new NodeExporter(ports[ServiceNames.NodeExporter]).Spec,
                new Prometheus(paths, ports[ServiceNames.Prometheus], "prometheus.yml").Spec,
                new Alertmanager(paths, ports[ServiceNames.Alertmanager], "alertmanager.yml").Spec,
                new PostgresExporter(ports[ServiceNames.PostgresExporter], "postgresql://127.0.0.1/thebot").Spec,
                new RedisExporter(ports[ServiceNames.RedisExporter], ports[ServiceNames.Redis]).Spec,
                new VictoriaMetrics(paths, ports[ServiceNames.VictoriaMetrics]) { DedupInterval = TimeSpan.FromSeconds(15) }.Spec,
                new PostgreSql(paths, ports[ServiceNames.PostgreSql], "secret").Spec,
            ];
            Assert.Equal(
                ["redis-server", "prometheus-node-exporter", "prometheus", "prometheus-alertmanager", "prometheus-postgres-exporter", "prometheus-redis-exporter", "victoria-metrics", "postgresql-15"],
                specs.Select(s => s.Package));
            Assert.Equal("given", (specs[0] with { Package = "given" }).Package);
        }
        finally
        {
            Directory.Delete(paths.Root, recursive: true);
        }
    }

    [Fact]
    public void Dependencies_are_declared_by_the_component_and_none_by_default()
    {
        var paths = StackPaths.CreateTemporary("thebot-depends-");
        try
        {
            var ports = PortPlan.Default;
            Assert.Empty(new Alertmanager(paths, ports[ServiceNames.Alertmanager], "alertmanager.yml").Spec.DependsOn);
            Assert.Equal([ServiceNames.Inbox],
                new Alertmanager(paths, ports[ServiceNames.Alertmanager], "alertmanager.yml") { ReceiverServices = [ServiceNames.Inbox] }.Spec.DependsOn);
            Assert.Empty(new Prometheus(paths, ports[ServiceNames.Prometheus], "prometheus.yml").Spec.DependsOn);
            Assert.Equal([ServiceNames.Alertmanager, ServiceNames.Alertmanager2, ServiceNames.VictoriaMetrics],
                new Prometheus(paths, ports[ServiceNames.Prometheus], "prometheus.yml")
                {
                    AlertmanagerServices = [ServiceNames.Alertmanager, ServiceNames.Alertmanager2], RemoteWriteService = ServiceNames.VictoriaMetrics,
                }.Spec.DependsOn);
        }
        finally
        {
            Directory.Delete(paths.Root, recursive: true);
        }
    }
}
