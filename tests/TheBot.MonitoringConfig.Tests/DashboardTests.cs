using System.Text.Json;
using TheBot.MonitoringConfig.Tests.Support;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>Grafana dashboards and provisioning: structure, datasource uids, PromQL that parses.</summary>
public class DashboardTests
{
    private static readonly string[] RequiredDashboards =
    [
        "thebot-overview.json", "thebot-backend-endpoints.json", "thebot-postgresql.json", "thebot-redis.json",
        "thebot-business.json", "thebot-logs.json",
    ];

    [Fact]
    public void All_dashboards_exist_are_valid_json_with_unique_uids_and_titles()
    {
        var names = Dashboards.Files.Select(Path.GetFileName).ToList();
        Assert.All(RequiredDashboards, d => Assert.Contains(d, names));
        var uids = new HashSet<string>();
        var titles = new HashSet<string>();
        foreach (var file in Dashboards.Files)
        {
            using var doc = Dashboards.Load(file);
            var root = doc.RootElement;
            Assert.True(uids.Add(root.GetProperty("uid").GetString()!), $"{file}: duplicate uid");
            Assert.True(titles.Add(root.GetProperty("title").GetString()!), $"{file}: duplicate title");
            var panelIds = Dashboards.Panels(root).Select(p => p.GetProperty("id").GetInt32()).ToList();
            Assert.Equal(panelIds.Count, panelIds.Distinct().Count());
            Assert.NotEmpty(panelIds);
        }
    }

    [Fact]
    public void Overview_dashboard_is_titled_and_covers_the_seed_panels()
    {
        using var doc = Dashboards.Load(Repo.Monitoring("grafana", "dashboards", "thebot-overview.json"));
        Assert.Equal("THE_BOT Overview", doc.RootElement.GetProperty("title").GetString());
        var targets = Dashboards.Targets().Where(t => t.Dashboard == "thebot-overview.json").Select(t => t.Expr).ToList();
        Assert.Contains(targets, e => e.Contains("thebot_http_requests_total", StringComparison.Ordinal) && e.Contains("by (status)", StringComparison.Ordinal));
        Assert.Contains(targets, e => e.Contains("histogram_quantile(0.95", StringComparison.Ordinal));
        Assert.Contains(targets, e => e.Contains("node_cpu_usage", StringComparison.Ordinal));
        Assert.Contains(targets, e => e.Contains("node_memory_usage", StringComparison.Ordinal));
        Assert.Contains(targets, e => e.Contains("hits", StringComparison.Ordinal));
        Assert.Contains(targets, e => e.Contains("thebot_db_", StringComparison.Ordinal));
    }

    [Fact]
    public void Prometheus_dashboards_have_job_instance_endpoint_variables()
    {
        foreach (var file in Dashboards.Files.Where(f => !f.EndsWith("thebot-logs.json", StringComparison.Ordinal)))
        {
            using var doc = Dashboards.Load(file);
            var vars = doc.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ToList();
            Assert.Equal(["job", "instance", "endpoint"], vars);
        }
    }

    [Fact]
    public void Every_datasource_reference_is_an_object_with_a_provisioned_uid()
    {
        foreach (var file in Dashboards.Files)
        {
            using var doc = Dashboards.Load(file);
            foreach (var (path, value) in Dashboards.DatasourceReferences(doc.RootElement))
            {
                Assert.True(value.ValueKind == JsonValueKind.Object, $"{Path.GetFileName(file)} {path}: datasource must be {{type, uid}}, is {value}");
                var uid = value.GetProperty("uid").GetString()!;
                Assert.True(Dashboards.DatasourceUids.Contains(uid), $"{Path.GetFileName(file)} {path}: unknown datasource uid '{uid}'");
            }
        }
    }

    [Fact]
    public void Provisioned_datasources_have_the_uids_dashboards_use()
    {
        var file = Directory.GetFiles(Repo.Monitoring("grafana", "provisioning", "datasources"), "*.yml").Single();
        var sources = Yaml.LoadMap(file).At("datasources").AsList().Select(d => d.AsMap()).ToDictionary(d => (string)d["uid"], d => (string)d["type"]);
        Assert.Equal("prometheus", sources["prometheus"]);
        Assert.Equal("loki", sources["loki"]);
        Assert.Equal("alertmanager", sources["alertmanager"]);

        var providers = Yaml.LoadMap(Directory.GetFiles(Repo.Monitoring("grafana", "provisioning", "dashboards"), "*.yml").Single());
        Assert.Equal("/var/lib/grafana/dashboards/thebot", providers.At("providers", 0, "options", "path"));
    }

    [Fact]
    public async Task Every_promql_target_parses()
    {
        var targets = Dashboards.Targets().Where(t => t.DatasourceUid == "prometheus").ToList();
        Assert.True(targets.Count > 40, $"only {targets.Count} PromQL targets");
        await PromQl.AssertAllParseAsync([.. targets.Select(t => (t.Origin, t.Expr))]);
    }

    [Fact]
    public void Every_target_has_a_known_datasource_and_an_expression()
    {
        Assert.All(Dashboards.Targets(), t =>
        {
            Assert.True(t.DatasourceUid is "prometheus" or "loki", $"{t.Origin}: datasource '{t.DatasourceUid}'");
            Assert.False(string.IsNullOrWhiteSpace(t.Expr), $"{t.Origin}: empty expression");
        });
    }
}
