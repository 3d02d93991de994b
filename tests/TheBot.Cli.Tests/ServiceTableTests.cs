using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// The services table <c>up</c> prints is derived from the components: every process the stack starts has exactly one
/// row, at its own port, in either topology; what a row says comes from its component.
/// </summary>
public sealed class ServiceTableTests : IDisposable
{
    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-table-test-");
    private readonly StackLocation _location;

    public ServiceTableTests() => _location = new StackLocation(RepositoryRoot.Find(), _paths, new PortPlan(200));

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_process_of_the_stack_has_one_row_at_its_port(bool ha)
    {
        // Loki and Grafana "installed" (any existing file will do: only the lookup is asked), so every component runs.
        var stack = new LocalStack(_location, topology: ha ? StackTopology.Ha(3) : StackTopology.Single)
        {
            FindBinary = name => "/bin/sh", GrafanaAdminPassword = "local-secret",
        };
        var specs = stack.Specs();
        var rows = ServiceTable.Rows(stack, [.. specs.Select(s => s.Name)]);

        Assert.Equal(specs.Count, rows.Count);
        Assert.All(specs, spec => Assert.Single(rows, row => row.Url.Contains($"127.0.0.1:{spec.Ports.Values.First()}", StringComparison.Ordinal)));
        Assert.Equal(rows.Count, rows.Select(r => r.Service).Distinct().Count());

        var postgres = rows.Single(r => r.Service == "PostgreSQL");
        Assert.Equal($"postgresql://127.0.0.1:{_location.Ports[ServiceNames.PostgreSql]}/thebot", postgres.Url);
        Assert.Equal($"user postgres, password in {_paths.Secrets}/postgres-password", postgres.Credentials);
        Assert.Equal(ha ? "—; load-balances across 3 backend instance(s)" : "—", rows.Single(r => r.Service == ServiceNames.Frontend).Credentials);
        Assert.Equal(ha ? 3 : 1, rows.Count(r => r.Service.StartsWith("Alertmanager", StringComparison.Ordinal)));
        Assert.Equal(ha, rows.Any(r => r.Credentials.Contains("gossip on 127.0.0.1:", StringComparison.Ordinal)));
        Assert.Equal(ha ? ["Prometheus prometheus (replica a)", "Prometheus prometheus-b (replica b)"] : ["Prometheus"],
            rows.Where(r => r.Service.StartsWith("Prometheus", StringComparison.Ordinal)).Select(r => r.Service));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_component_declares_how_status_shows_its_address_and_reads_its_version(bool ha)
    {
        var stack = new LocalStack(_location, topology: ha ? StackTopology.Ha(3) : StackTopology.Single)
        {
            FindBinary = name => "/bin/sh", GrafanaAdminPassword = "local-secret",
        };
        var specs = stack.Specs();

        // Only the servers whose own binary says its version (postgres, redis-server, victoria-metrics, loki,
        // grafana-server) leave it to --version; every HTTP service of ours or Prometheus' declares where to read it.
        string[] byCommand = [ServiceNames.PostgreSql, ServiceNames.Redis, ServiceNames.VictoriaMetrics, ServiceNames.Loki, ServiceNames.Grafana];
        Assert.All(specs, spec => Assert.Equal(byCommand.Contains(spec.Name), spec.Version is null));
        Assert.All(specs, spec => Assert.Equal(
            spec.Name is ServiceNames.PostgreSql or ServiceNames.Redis ? $"127.0.0.1:{spec.Ports.Values.Single()}" : $"http://127.0.0.1:{spec.Ports.Values.First()}",
            spec.ShownAddress));
    }
}
