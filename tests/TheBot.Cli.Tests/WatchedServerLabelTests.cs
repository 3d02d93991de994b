using TheBot.Cli.Config;
using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Tests;

/// <summary>
/// The local stack's postgres and redis jobs scrape their exporter but label the target with the server it watches,
/// as the committed prometheus.yml does for compose: PostgreSQLDown and RedisDown name 127.0.0.1:&lt;PostgreSQL port&gt;,
/// not the exporter's address.
/// </summary>
public sealed class WatchedServerLabelTests : IDisposable
{
    private const int Offset = 300;
    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-render-test-");
    private readonly StackLocation _location;

    public WatchedServerLabelTests() => _location = new StackLocation(RepositoryRoot.Find(), _paths, new PortPlan(Offset));

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    [Fact]
    public void Single_node_labels_the_exporters_targets_with_their_servers()
    {
        var renderer = new ConfigRenderer(_location.RepositoryRoot, _paths);
        renderer.RenderPrometheus(_location.Ports);
        AssertWatchedServers(Yaml.Load(renderer.PrometheusConfig));
    }

    [Fact]
    public async Task Both_HA_replicas_label_the_exporters_targets_with_their_servers()
    {
        var stack = new LocalStack(_location, topology: StackTopology.Ha(2));
        await stack.RenderConfigsAsync(CancellationToken.None);
        AssertWatchedServers(Yaml.Load(stack.Renderer.PrometheusConfigOf(ServiceNames.Prometheus)));
        AssertWatchedServers(Yaml.Load(stack.Renderer.PrometheusConfigOf(ServiceNames.PrometheusB)));
    }

    private void AssertWatchedServers(YamlMappingNode config)
    {
        var jobs = config.Seq("scrape_configs")!.Children.OfType<YamlMappingNode>().ToDictionary(j => j.Text("job_name")!);
        foreach (var (job, exporter, server) in new[] { ("postgres", ServiceNames.PostgresExporter, ServiceNames.PostgreSql), ("redis", ServiceNames.RedisExporter, ServiceNames.Redis) })
        {
            var group = jobs[job].Seq("static_configs")!.Children.OfType<YamlMappingNode>().Single();
            Assert.Equal([$"127.0.0.1:{_location.Ports[exporter]}"], group.Seq("targets")!.Children.OfType<YamlScalarNode>().Select(t => t.Value!));
            Assert.Equal($"127.0.0.1:{_location.Ports[server]}", group.Map("labels")!.Text("instance"));
        }
    }
}
