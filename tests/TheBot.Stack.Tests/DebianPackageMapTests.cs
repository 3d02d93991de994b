using TheBot.Stack;
using TheBot.Stack.Components;
using Xunit;

namespace TheBot.Stack.Tests;

/// <summary>The one binary → Debian package map, and the components that name their package through it.</summary>
public sealed class DebianPackageMapTests
{
    [Theory]
    [InlineData("/usr/bin/prometheus", "prometheus")]
    [InlineData("promtool", "prometheus")] // a tool name, as check looks tools up on PATH
    [InlineData("amtool", "prometheus-alertmanager")]
    [InlineData("sh", "dash")]
    [InlineData("/usr/lib/postgresql/15/bin/postgres", "postgresql-15")]
    [InlineData("/usr/bin/thebot-unknown", null)]
    public void Names_the_package_of_a_binary_or_tool(string binary, string? package) =>
        Assert.Equal(package, DebianPackageMap.For(binary));

    [Fact]
    public void The_map_is_every_components_binaries_then_the_tools_no_component_runs()
    {
        // The companion tools come with their component's package, so check and doctor name the right one.
        Assert.Equal("prometheus", DebianPackageMap.For(Prometheus.Promtool));
        Assert.Equal("prometheus-alertmanager", DebianPackageMap.For(Alertmanager.Amtool));
        Assert.Equal("postgresql-client-15", DebianPackageMap.For("psql"));
        Assert.Equal(
            [.. PostgreSql.Packages, .. Redis.Packages, .. Prometheus.Packages, .. Alertmanager.Packages, .. NodeExporter.Packages,
             .. PostgresExporter.Packages, .. RedisExporter.Packages, .. VictoriaMetrics.Packages, .. DebianPackageMap.Tools],
            DebianPackageMap.Binaries);
        Assert.DoesNotContain(DebianPackageMap.Tools, tool => DebianPackageMap.Binaries.Count(b => b.Binary == tool.Binary) > 1);
    }

    [Fact]
    public void Components_name_the_package_of_their_binary_from_the_map()
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
            ];
            Assert.Equal(
                ["redis-server", "prometheus-node-exporter", "prometheus", "prometheus-alertmanager", "prometheus-postgres-exporter", "prometheus-redis-exporter", "victoria-metrics"],
                specs.Select(s => s.Package));
            Assert.Equal("given", (specs[0] with { Package = "given" }).Package);
        }
        finally
        {
            Directory.Delete(paths.Root, recursive: true);
        }
    }
}
