using TheBot.Cli.Checks;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Cli.Setup;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// The lists that name the stack's components are derived from the one registry (<see cref="StackComponents.All"/>):
/// the processes and their order, the services table, the Debian package list (setup, doctor, check's missing-tool
/// message) and the component verbs' help. A component added to the registry shows up in each of them.
/// </summary>
public sealed class StackComponentsTests : IDisposable
{
    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-registry-test-");
    private readonly StackLocation _location;

    public StackComponentsTests() => _location = new StackLocation(RepositoryRoot.Find(), _paths, new PortPlan(300));

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    [Fact]
    public void Component_names_are_unique()
    {
        var names = StackComponents.All.Select(c => c.Name).Concat(StackComponents.All.SelectMany(c => c.Aliases)).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void The_package_list_is_the_registrys_packages_then_the_tools()
    {
        Assert.Equal([.. StackComponents.All.SelectMany(c => c.Packages), .. DebianPackageMap.Tools], DebianPackageMap.Binaries);
        Assert.Equal(DebianPackageMap.Binaries, DebianPackages.Required);
        Assert.All(StackComponents.All.SelectMany(c => c.Packages), binary => Assert.Equal(binary.Package, DebianPackageMap.For(binary.Binary)));
    }

    [Fact]
    public void Checks_missing_tool_message_names_each_components_package()
    {
        Assert.All(StackComponents.All.SelectMany(c => c.Packages), binary => Assert.EndsWith(
            $"apt-get install -y {binary.Package}", CheckTool.Missing(Path.GetFileName(binary.Binary)), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_registry_component_has_its_processes_and_rows(bool ha)
    {
        var stack = Everything(ha);
        var specs = stack.Specs();
        var rows = ServiceTable.Rows(stack, [.. specs.Select(s => s.Name)]);

        var running = StackComponents.All.Where(c => ha || c.Presence != ComponentPresence.HighAvailabilityOnly).ToList();
        Assert.Equal(running.Select(c => c.Name), specs.Select(s => ServiceNames.KindOf(s.Name)).Distinct());
        Assert.Equal([.. StackComponents.All.SelectMany(c => c.Specs(stack)).Select(s => s.Name)], specs.Select(s => s.Name));
        Assert.Equal(
            [.. StackComponents.All.OrderBy(c => c.TablePosition).SelectMany(c => c.Rows(stack, [.. specs.Select(s => s.Name)]))],
            rows);
        Assert.All(running, c => Assert.NotEmpty(c.Rows(stack, [.. specs.Select(s => s.Name)])));
    }

    [Fact]
    public void The_single_node_stack_starts_and_lists_its_components_in_the_same_order_as_before_the_registry()
    {
        var stack = Everything(ha: false);
        var specs = stack.Specs();
        Assert.Equal(
            ["postgresql", "redis", "backend", "frontend", "node_exporter", "postgres_exporter", "redis_exporter", "inbox", "alertmanager", "prometheus", "loki", "grafana"],
            specs.Select(s => s.Name));
        Assert.Equal(
            ["backend", "frontend", "Prometheus", "Alertmanager", "Grafana", "Loki", "node_exporter", "postgres_exporter", "redis_exporter", "PostgreSQL", "Redis", "notification inbox"],
            ServiceTable.Rows(stack, [.. specs.Select(s => s.Name)]).Select(r => r.Service));
        Assert.Equal([ServiceNames.Inbox], specs.Single(s => s.Name == ServiceNames.Alertmanager).DependsOn);
        Assert.Equal([ServiceNames.Alertmanager], specs.Single(s => s.Name == ServiceNames.Prometheus).DependsOn);
    }

    [Fact]
    public void The_ha_stack_keeps_its_dependencies()
    {
        var specs = Everything(ha: true).Specs();
        Assert.Equal(
            [ServiceNames.Alertmanager, ServiceNames.Alertmanager2, ServiceNames.Alertmanager3, ServiceNames.VictoriaMetrics],
            specs.Single(s => s.Name == ServiceNames.PrometheusB).DependsOn);
        Assert.All(specs.Where(s => ServiceNames.KindOf(s.Name) == ServiceNames.Alertmanager), s => Assert.Equal([ServiceNames.Inbox], s.DependsOn));
    }

    [Fact]
    public void The_component_help_names_every_registry_component()
    {
        var help = ComponentCommand.ComponentHelp;
        Assert.All(StackComponents.All, c => Assert.Contains(c.Name, help, StringComparison.Ordinal));
        Assert.All(StackComponents.All.SelectMany(c => c.Aliases), alias => Assert.Contains($"(or {alias})", help, StringComparison.Ordinal));
        Assert.Equal(
            "A service name as ./thebot status lists it: postgresql (or postgres), redis, backend, frontend, node_exporter, postgres_exporter, redis_exporter, inbox, alertmanager, prometheus, and loki/grafana where they run; in an HA stack also backend-2…backend-N, prometheus-b, alertmanager-2, alertmanager-3, victoriametrics",
            help);
    }

    /// <summary>A stack with Loki and Grafana "installed" (any existing file will do: only the lookup is asked), so every component runs.</summary>
    private LocalStack Everything(bool ha) =>
        new(_location, topology: ha ? StackTopology.Ha(3) : StackTopology.Single) { FindBinary = _ => "/bin/sh", GrafanaAdminPassword = "local-secret" };
}
