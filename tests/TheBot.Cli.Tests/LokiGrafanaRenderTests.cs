using TheBot.Cli.Config;
using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Tests;

/// <summary>
/// A local Loki and Grafana get the committed configs with only paths, listen addresses and targets changed: everything
/// in the state folder or the repository, on 127.0.0.1, at the <c>--port-offset</c> ports. They are started only where
/// their binaries are (fake ones here), Grafana only with its admin password, and the services table says which is missing.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LokiGrafanaRenderTests : IDisposable
{
    private const int Offset = 100;
    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-render-test-");
    private readonly string _bin;
    private readonly StackLocation _location;

    public LokiGrafanaRenderTests()
    {
        _location = new StackLocation(RepositoryRoot.Find(), _paths, new PortPlan(Offset));
        _bin = Directory.CreateDirectory(Path.Combine(_paths.Root, "bin")).FullName;
    }

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    [Fact]
    public void Loki_config_keeps_everything_but_paths_listeners_and_the_ruler_target()
    {
        var renderer = new ConfigRenderer(_location.RepositoryRoot, _paths);
        renderer.RenderLoki(_location.Ports);

        var committed = Flatten(Path.Combine(renderer.Monitoring, "loki", "loki-config.yml"));
        var rendered = Flatten(renderer.LokiConfig);
        var data = _paths.Data(ServiceNames.Loki);
        Assert.Equal("127.0.0.1", rendered["server.http_listen_address"]);
        Assert.Equal("3200", rendered["server.http_listen_port"]);
        Assert.Equal("127.0.0.1", rendered["server.grpc_listen_address"]);
        Assert.Equal("9196", rendered["server.grpc_listen_port"]);
        Assert.Equal("http://127.0.0.1:9193", rendered["ruler.alertmanager_url"]);
        Assert.Equal(data, rendered["common.path_prefix"]);
        Assert.Equal(Path.Combine(data, "chunks"), rendered["common.storage.filesystem.chunks_directory"]);

        var paths = committed.Where(p => p.Value.StartsWith('/')).Select(p => p.Key).ToList();
        Assert.True(paths.Count >= 6, $"the committed config should have its storage paths: {string.Join(", ", paths)}");
        Assert.All(paths, key => Assert.StartsWith(data + "/", rendered[key] + "/", StringComparison.Ordinal));
        string[] listeners = ["server.http_listen_address", "server.http_listen_port", "server.grpc_listen_address", "server.grpc_listen_port", "ruler.alertmanager_url"];
        var changed = rendered.Where(p => !committed.TryGetValue(p.Key, out var before) || before != p.Value).Select(p => p.Key).ToHashSet();
        Assert.Equal(paths.Concat(listeners).Order(), changed.Order());
        // The ruler's basic auth is compose's (Alertmanager's web config there); the local Alertmanager has none.
        var auth = committed.Keys.Where(k => k.StartsWith("ruler.alertmanager_client.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["ruler.alertmanager_client.basic_auth_password", "ruler.alertmanager_client.basic_auth_username"], auth.Order());
        Assert.Equal(committed.Keys.Except(auth).Order(), rendered.Keys.Except(["server.http_listen_address", "server.grpc_listen_address"]).Order());
    }

    [Fact]
    public void Grafana_provisioning_points_the_same_datasources_at_loopback_and_reads_the_repository_dashboards()
    {
        var renderer = new ConfigRenderer(_location.RepositoryRoot, _paths);
        renderer.RenderGrafana(_location.Ports);

        var provisioning = Path.Combine(renderer.Monitoring, "grafana", "provisioning");
        var committed = Flatten(Path.Combine(provisioning, "datasources", "datasources.yml"));
        var rendered = Flatten(Path.Combine(renderer.GrafanaProvisioning, "datasources", "datasources.yml"));
        // Compose's basic auth for Prometheus and Alertmanager (their web config there) is all that is left out locally.
        var auth = committed.Keys.Where(k => ConfigRenderer.BasicAuthKeys.Any(a => k.Contains($"].{a}", StringComparison.Ordinal))).ToList();
        Assert.Equal(6, auth.Count);
        Assert.Equal("$MONITORING_WEB_PASSWORD", committed["datasources[0].secureJsonData.basicAuthPassword"]);
        committed = committed.Where(p => !auth.Contains(p.Key)).ToDictionary();
        Assert.Equal(committed.Keys.Order(), rendered.Keys.Order());
        // Each data source's own url (not the links inside its jsonData: Loki's derived fields, Prometheus' exemplar links).
        var urls = rendered.Where(p => System.Text.RegularExpressions.Regex.IsMatch(p.Key, @"^datasources\[\d+\]\.url$"))
            .ToDictionary(p => rendered[p.Key[..^".url".Length] + ".uid"], p => p.Value);
        Assert.Equal(new Dictionary<string, string>
        {
            ["prometheus"] = "http://127.0.0.1:9190",
            ["loki"] = "http://127.0.0.1:3200",
            ["alertmanager"] = "http://127.0.0.1:9193",
        }, urls);
        Assert.All(committed.Where(p => !urls.ContainsValue(rendered[p.Key])), p => Assert.Equal(p.Value, rendered[p.Key]));

        var dashboards = Flatten(Path.Combine(renderer.GrafanaProvisioning, "dashboards", "dashboards.yml"));
        Assert.Equal(renderer.Dashboards, dashboards["providers[0].options.path"]);
        Assert.Equal(Path.Combine(_location.RepositoryRoot, "monitoring", "grafana", "dashboards"), renderer.Dashboards);
        Assert.True(Directory.GetFiles(renderer.Dashboards, "*.json").Length >= 6);
        Assert.Equal(Flatten(Path.Combine(provisioning, "dashboards", "dashboards.yml")).Where(p => p.Key != "providers[0].options.path"),
            dashboards.Where(p => p.Key != "providers[0].options.path"));
    }

    [Fact]
    public void Prometheus_config_keeps_compose_basic_auth_out_of_the_loopback_only_local_stack()
    {
        var renderer = new ConfigRenderer(_location.RepositoryRoot, _paths);
        renderer.RenderPrometheus(_location.Ports);

        var committed = Flatten(Path.Combine(renderer.Monitoring, "prometheus", "prometheus.yml"));
        var rendered = Flatten(renderer.PrometheusConfig);
        var auth = committed.Keys.Where(k => k.Contains(".basic_auth.", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, auth.Count); // alerting and the prometheus and alertmanager jobs: username and password_file each
        Assert.DoesNotContain(rendered.Keys, k => k.Contains("basic_auth", StringComparison.Ordinal));
        Assert.Equal(committed.Keys.Except(auth).Order(), rendered.Keys.Order());
    }

    [Fact]
    public void Installed_Loki_and_Grafana_are_started_with_the_rendered_configs()
    {
        var stack = new LocalStack(_location) { FindBinary = Fake("loki", "grafana-server"), GrafanaAdminPassword = "local-secret" };

        var specs = stack.Specs().ToDictionary(s => s.Name);

        var loki = specs[ServiceNames.Loki];
        Assert.Equal(Path.Combine(_bin, "loki"), loki.Executable);
        Assert.Equal([$"-config.file={stack.Renderer.LokiConfig}"], loki.Arguments);
        Assert.Equal(new Dictionary<string, int> { ["http"] = 3200, ["grpc"] = 9196 }, loki.Ports);
        var grafana = specs[ServiceNames.Grafana];
        Assert.Equal(stack.Renderer.GrafanaProvisioning, grafana.Environment["GF_PATHS_PROVISIONING"]);
        Assert.Equal("127.0.0.1", grafana.Environment["GF_SERVER_HTTP_ADDR"]);
        Assert.Equal("3100", grafana.Environment["GF_SERVER_HTTP_PORT"]);
        Assert.Equal("local-secret", grafana.Environment["GF_SECURITY_ADMIN_PASSWORD"]);
        Assert.All(grafana.Environment.Where(e => e.Key.StartsWith("GF_PATHS_", StringComparison.Ordinal)),
            e => Assert.StartsWith(_paths.Root + "/", e.Value, StringComparison.Ordinal));

        var row = ServiceTable.Rows(stack, [.. specs.Keys]).Single(r => r.Service == "Grafana");
        Assert.Equal("http://127.0.0.1:3100", row.Url);
    }

    [Fact]
    public void Grafana_without_its_password_is_not_started_and_the_table_says_why()
    {
        var withoutPassword = new LocalStack(_location) { FindBinary = Fake("grafana-server"), GrafanaAdminPassword = null };
        var names = withoutPassword.Specs().Select(s => s.Name).ToList();
        Assert.DoesNotContain(ServiceNames.Grafana, names);
        Assert.DoesNotContain(ServiceNames.Loki, names);
        var rows = ServiceTable.Rows(withoutPassword, names).ToDictionary(r => r.Service);
        Assert.Equal($"installed ({Path.Combine(_bin, "grafana-server")}) but not started: set GRAFANA_ADMIN_PASSWORD and run up again", rows["Grafana"].Url);
        Assert.StartsWith("not installed here: put loki on PATH", rows["Loki"].Url, StringComparison.Ordinal);

        var notInstalled = new LocalStack(_location) { FindBinary = Fake(), GrafanaAdminPassword = null };
        Assert.StartsWith("not installed here: put grafana-server on PATH", ServiceTable.Rows(notInstalled, []).Single(r => r.Service == "Grafana").Url, StringComparison.Ordinal);
    }

    /// <summary>A binary lookup that finds only <paramref name="installed"/>, as executable stand-ins in a temp folder.</summary>
    private Func<string, string?> Fake(params string[] installed)
    {
        foreach (var name in installed)
        {
            var path = Path.Combine(_bin, name);
            File.WriteAllText(path, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return name => installed.Contains(name) ? Path.Combine(_bin, name) : null;
    }

    /// <summary>Every scalar of a YAML file by its path (<c>a.b[0].c</c>).</summary>
    private static Dictionary<string, string> Flatten(string file)
    {
        var values = new Dictionary<string, string>();
        void Walk(YamlNode node, string path)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (key, value) in map.Children)
                    {
                        Walk(value, path.Length == 0 ? ((YamlScalarNode)key).Value! : $"{path}.{((YamlScalarNode)key).Value}");
                    }

                    break;
                case YamlSequenceNode sequence:
                    for (var i = 0; i < sequence.Children.Count; i++)
                    {
                        Walk(sequence.Children[i], $"{path}[{i}]");
                    }

                    break;
                case YamlScalarNode scalar:
                    values[path] = scalar.Value ?? string.Empty;
                    break;
            }
        }

        Walk(Yaml.Load(file), string.Empty);
        return values;
    }
}
