using System.Text.Json;
using TheBot.Cli.Config;
using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Tests;

/// <summary>
/// The HA topology's rendered configs, without starting anything: both replicas' prometheus.yml are the committed one
/// plus only the HA parts (replica label a/b dropped from alerts and remote_write, every Alertmanager member, both
/// replicas under job prometheus, the backend from file_sd, job victoriametrics), both pass promtool; the
/// single-node render has none of it; in both, the exporters' targets are labelled with the servers they watch; the file_sd and frontend files list every instance at its port; a stack read
/// back from the state folder deduplicates at the interval <c>up</c> rendered.
/// </summary>
public sealed class HaConfigRenderTests : IDisposable
{
    private const int Offset = 300;
    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-render-test-");
    private readonly StackLocation _location;

    public HaConfigRenderTests() => _location = new StackLocation(RepositoryRoot.Find(), _paths, new PortPlan(Offset));

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    [Fact]
    public async Task The_HA_tests_warning_wait_shortens_the_route_amtool_picks_for_warnings_and_nothing_else()
    {
        var stack = new LocalStack(_location, new HaWarningWait(), StackTopology.Ha(2));
        await stack.RenderConfigsAsync(CancellationToken.None);

        var config = stack.Renderer.AlertmanagerConfig;
        Assert.Equal(("ops-team", HaWarningWait.GroupWait), await HaWarningWait.RouteForAsync(config, "BackendHighLatency", "warning"));
        Assert.Equal(("critical-team", TimeSpan.FromSeconds(10)), await HaWarningWait.RouteForAsync(config, "BackendServiceDown", "critical"));
        Assert.Equal(("deadmans-switch", TimeSpan.Zero), await HaWarningWait.RouteForAsync(config, "Watchdog", "none"));
    }

    [Fact]
    public async Task The_local_inbox_render_points_every_receiver_at_the_inbox_except_the_one_for_no_one()
    {
        var stack = new LocalStack(_location);
        await stack.RenderConfigsAsync(CancellationToken.None);

        var receivers = Yaml.Load(stack.Renderer.AlertmanagerConfig).Seq("receivers")!.Children.OfType<YamlMappingNode>().ToDictionary(r => r.Text("name")!);
        foreach (var name in new[] { "critical-team", "ops-team", "default-receiver", "deadmans-switch" })
        {
            var webhook = receivers[name].Seq("webhook_configs")!.Children.OfType<YamlMappingNode>().Single();
            Assert.Equal($"{_location.Url(ServiceNames.Inbox)}/{name}", webhook.Text("url"));
        }

        // DatabaseOutageRecent's receiver: an inhibition source must not reach the inbox either (ADR 0022).
        Assert.Equal(["name"], receivers["silent"].Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value));
        Assert.Equal(("silent", TimeSpan.FromSeconds(30)), await HaWarningWait.RouteForAsync(stack.Renderer.AlertmanagerConfig, "DatabaseOutageRecent", "none"));
    }

    [Fact]
    public async Task Both_replicas_get_the_same_scrape_config_apart_only_in_their_replica_label_and_pass_promtool()
    {
        var stack = new LocalStack(_location, topology: StackTopology.Ha(3));
        await stack.RenderConfigsAsync(CancellationToken.None);

        var a = Yaml.Load(stack.Renderer.PrometheusConfigOf(ServiceNames.Prometheus));
        var b = Yaml.Load(stack.Renderer.PrometheusConfigOf(ServiceNames.PrometheusB));
        Assert.Equal("a", a.Map("global")!.Map("external_labels")!.Text("replica"));
        Assert.Equal("b", b.Map("global")!.Map("external_labels")!.Text("replica"));
        Assert.Equal("thebot-main", a.Map("global")!.Map("external_labels")!.Text("cluster"));
        Assert.Equal(Text(a.Seq("scrape_configs")!), Text(b.Seq("scrape_configs")!));

        foreach (var config in (YamlMappingNode[])[a, b])
        {
            Assert.Equal("labeldrop:replica", Relabel(config.Map("alerting")!.Seq("alert_relabel_configs")!));
            var remote = config.Seq("remote_write")!.Children.OfType<YamlMappingNode>().Single();
            Assert.Equal($"http://127.0.0.1:{8428 + Offset}/api/v1/write", remote.Text("url"));
            Assert.Equal("labeldrop:replica", Relabel(remote.Seq("write_relabel_configs")!));
            Assert.Equal([$"127.0.0.1:{9093 + Offset}", $"127.0.0.1:{9095 + Offset}", $"127.0.0.1:{9098 + Offset}"], Targets(config.Map("alerting")!.Seq("alertmanagers")!.Children.OfType<YamlMappingNode>().Single()));
            Assert.Equal([$"127.0.0.1:{9090 + Offset}", $"127.0.0.1:{9091 + Offset}"], Targets(Job(config, "prometheus")));
            Assert.Equal([$"127.0.0.1:{9093 + Offset}", $"127.0.0.1:{9095 + Offset}", $"127.0.0.1:{9098 + Offset}"], Targets(Job(config, "alertmanager")));
            Assert.Equal([$"127.0.0.1:{8428 + Offset}"], Targets(Job(config, ConfigRenderer.VictoriaMetricsJob)));
            var backend = Job(config, "thebot-backend");
            Assert.Null(backend.Get("static_configs"));
            Assert.Equal(BackendTargets.DiscoveryFile(_paths), ((YamlScalarNode)backend.Seq("file_sd_configs")!.Children.OfType<YamlMappingNode>().Single().Seq("files")!.Children.Single()).Value);
        }

        foreach (var file in (string[])[stack.Renderer.PrometheusConfigOf(ServiceNames.Prometheus), stack.Renderer.PrometheusConfigOf(ServiceNames.PrometheusB)])
        {
            var check = await CommandRunner.RunAsync("/usr/bin/promtool", ["check", "config", file]);
            Assert.True(check.Succeeded, check.StandardOutput + check.StandardError);
        }

        using var discovery = JsonDocument.Parse(File.ReadAllText(BackendTargets.DiscoveryFile(_paths)));
        var group = discovery.RootElement.EnumerateArray().Single();
        Assert.Equal([$"127.0.0.1:{8000 + Offset}", $"127.0.0.1:{8001 + Offset}", $"127.0.0.1:{8002 + Offset}"], group.GetProperty("targets").EnumerateArray().Select(t => t.GetString()!));
        Assert.Equal("backend", group.GetProperty("labels").GetProperty("service").GetString());
        using var frontend = JsonDocument.Parse(File.ReadAllText(BackendTargets.FrontendFile(_paths)));
        Assert.Equal(["backend", "backend-2", "backend-3"], frontend.RootElement.GetProperty("Backend").GetProperty("Destinations").EnumerateObject().Select(p => p.Name));
        Assert.Equal(StackTopology.Ha(3), StackTopology.Load(_paths));
    }

    [Fact]
    public async Task The_single_node_render_has_none_of_the_HA_parts()
    {
        var stack = new LocalStack(_location, topology: StackTopology.Single);
        await stack.RenderConfigsAsync(CancellationToken.None);
        var config = Yaml.Load(stack.Renderer.PrometheusConfig);
        Assert.Null(config.Map("global")!.Map("external_labels")!.Get("replica"));
        Assert.Null(config.Get("remote_write"));
        Assert.Null(config.Map("alerting")!.Get("alert_relabel_configs"));
        Assert.Equal([$"127.0.0.1:{8000 + Offset}"], Targets(Job(config, "thebot-backend")));
        Assert.DoesNotContain(config.Seq("scrape_configs")!.Children.OfType<YamlMappingNode>(), j => j.Text("job_name") == ConfigRenderer.VictoriaMetricsJob);
        Assert.False(File.Exists(BackendTargets.DiscoveryFile(_paths)));
        Assert.Equal(StackTopology.Single, StackTopology.Load(_paths));
        Assert.DoesNotContain(stack.Specs(), s => s.Name is ServiceNames.VictoriaMetrics or ServiceNames.PrometheusB or ServiceNames.Alertmanager2);
        Assert.Contains("--cluster.listen-address=", stack.Alertmanager.Spec.Arguments);
    }

    [Fact]
    public async Task A_stack_read_back_from_its_state_folder_deduplicates_at_the_interval_up_rendered()
    {
        // up under a profile with its own interval; a later verb (start victoriametrics) builds the stack from the
        // state folder without that profile, and must still give VictoriaMetrics the interval the replicas scrape at.
        var every = TimeSpan.FromSeconds(5);
        await new LocalStack(_location, new StackCustomization { ScrapeInterval = every }, StackTopology.Ha(2)).RenderConfigsAsync(CancellationToken.None);

        var later = new LocalStack(_location);
        Assert.Equal(every, later.ScrapeInterval);
        Assert.Contains("-dedup.minScrapeInterval=5000ms", later.Specs().Single(s => s.Name == ServiceNames.VictoriaMetrics).Arguments);

        // up itself renders anew: what an earlier up left in the state folder does not change what it is about to run.
        Assert.Equal(later.Renderer.SourceScrapeInterval(StackTopology.Ha(2)), new LocalStack(_location, topology: StackTopology.Ha(2)).ScrapeInterval);
    }

    [Theory]
    [InlineData("    - action: labeldrop\n      regex: replica\n  alertmanagers:", "  alertmanagers:", "alerting.alert_relabel_configs does not labeldrop 'replica'")]
    [InlineData("    replica: ${PROMETHEUS_REPLICA}\n", "", "global.external_labels has no 'replica'")]
    [InlineData("    file_sd_configs:\n      - files:\n          - targets/thebot-backend.json\n", "    static_configs:\n      - targets: [ 'backend:8000' ]\n", "job thebot-backend has no file_sd_configs")]
    public async Task The_local_HA_render_is_the_committed_HA_file_and_refuses_one_that_lacks_an_HA_part(string committed, string changed, string reason)
    {
        // A copy of monitoring/ whose prometheus-ha.yml (what compose's replicas load) lost one HA part: the local
        // render reads that file, so it must refuse it rather than quietly run a different topology.
        using var copy = new MonitoringCopy();
        copy.ReplaceFirst("prometheus/prometheus-ha.yml", committed, changed);
        var stack = new LocalStack(new StackLocation(Path.GetDirectoryName(copy.Dir)!, _paths, new PortPlan(Offset)), topology: StackTopology.Ha(2));

        var refused = await Assert.ThrowsAsync<ConfigException>(() => stack.RenderConfigsAsync(CancellationToken.None));

        Assert.Equal(Path.Combine(copy.Dir, "prometheus", "prometheus-ha.yml"), refused.File);
        Assert.StartsWith(reason, refused.Reason, StringComparison.Ordinal);
    }

    private static YamlMappingNode Job(YamlMappingNode config, string name) =>
        config.Seq("scrape_configs")!.Children.OfType<YamlMappingNode>().Single(j => j.Text("job_name") == name);

    private static IEnumerable<string> Targets(YamlMappingNode config) =>
        config.Seq("static_configs")!.Children.OfType<YamlMappingNode>().SelectMany(s => s.Seq("targets")!.Children.OfType<YamlScalarNode>().Select(t => t.Value!));

    private static string Relabel(YamlSequenceNode rules) =>
        string.Join(";", rules.Children.OfType<YamlMappingNode>().Select(r => $"{r.Text("action")}:{r.Text("regex")}"));

    private static string Text(YamlNode node) => Yaml.Serialize(node);

    // The postgres and redis jobs scrape their exporter but label the target with the server it watches, as the
    // committed prometheus.yml does for compose: PostgreSQLDown and RedisDown name 127.0.0.1:<its port>, not the exporter.
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
        foreach (var (job, exporter, server) in new[] { ("postgres", ServiceNames.PostgresExporter, ServiceNames.PostgreSql), ("redis", ServiceNames.RedisExporter, ServiceNames.Redis) })
        {
            Assert.Equal([$"127.0.0.1:{_location.Ports[exporter]}"], Targets(Job(config, job)));
            Assert.Equal($"127.0.0.1:{_location.Ports[server]}", Job(config, job).Seq("static_configs")!.Children.OfType<YamlMappingNode>().Single().Map("labels")!.Text("instance"));
        }
    }
}
