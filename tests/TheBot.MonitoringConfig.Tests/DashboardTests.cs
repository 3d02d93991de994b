using System.Text.RegularExpressions;
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
    public async Task All_dashboards_exist_and_pass_the_dashboard_check()
    {
        // JSON, unique uids, panel ids, datasource uids that are provisioned, PromQL that promtool parses, LogQL grammar.
        var names = Dashboards.Files.Select(Path.GetFileName).ToList();
        Assert.All(RequiredDashboards, d => Assert.Contains(d, names));
        Tools.Require("promtool");
        var results = await CheckAssert.PassesAsync(new DashboardsCheck());
        Assert.Equal(names.Count, results.Count(r => r.File.EndsWith(".json", StringComparison.Ordinal)));
        Assert.True(Dashboards.Targets().Count(t => t.DatasourceUid == "prometheus") > 40, "too few PromQL targets");
        Assert.True(Dashboards.Targets().Count(t => t.DatasourceUid == "loki") >= 4, "the logs dashboard should hold Loki queries");
    }

    [Fact]
    public void Latency_panels_over_the_histograms_that_carry_exemplars_show_them()
    {
        // The two families whose buckets carry trace ids (docs/metrics.md); recording-rule series have no exemplars.
        var raw = new Regex(@"thebot_(http_request|db_query)_duration_seconds_bucket\{");
        var shown = new List<string>();
        foreach (var file in Dashboards.Files)
        {
            using var dashboard = Dashboards.Load(file);
            foreach (var panel in Dashboards.Panels(dashboard.RootElement))
            {
                if (!panel.TryGetProperty("targets", out var targets))
                {
                    continue;
                }

                // One target of a panel is enough: a panel of p50/p95/p99 over the same buckets shows the same exemplars.
                var latency = targets.EnumerateArray().Where(t => t.TryGetProperty("expr", out var e) && raw.IsMatch(e.GetString() ?? "")).ToList();
                if (latency.Count == 0)
                {
                    continue;
                }

                var origin = $"{Path.GetFileName(file)} / {panel.GetProperty("title").GetString()}";
                Assert.True(latency.Any(t => t.TryGetProperty("exemplar", out var on) && on.GetBoolean()), $"{origin}: no target shows exemplars");
                shown.Add(origin);
            }
        }

        Assert.Contains("thebot-overview.json / Latency percentiles", shown);
        Assert.Contains("thebot-postgresql.json / Query latency p95 by operation", shown);
    }

    [Fact]
    public void Panels_over_the_duration_histograms_work_in_native_mode_too()
    {
        // In native mode (up --native-histograms) the _bucket series are not stored; a panel reading only them is empty.
        var reading = Dashboards.Targets().Where(t => NativeTwins.ClassicReads(t.Expr).Count > 0).ToList();
        Assert.True(reading.Count >= 6, $"only {reading.Count} targets read the duration families' buckets");
        Assert.All(reading, t => Assert.True(NativeTwins.Missing(t.Expr).Count == 0, $"{t.Dashboard}: {t.Expr} has no native twin"));
    }

    [Fact]
    public void Dashboard_titles_are_unique()
    {
        var titles = Dashboards.Files.Select(f =>
        {
            using var doc = Dashboards.Load(f);
            return doc.RootElement.GetProperty("title").GetString();
        }).ToList();
        Assert.Equal(titles.Count, titles.Distinct().Count());
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
    public void Prometheus_dashboards_filter_by_job_and_instance_and_the_endpoint_drill_down_by_endpoint()
    {
        // endpoint only where series carry it: the other dashboards show job-, host- or exporter-level series.
        foreach (var file in Dashboards.Files.Where(f => !f.EndsWith("thebot-logs.json", StringComparison.Ordinal)))
        {
            var expected = Path.GetFileName(file) == "thebot-backend-endpoints.json" ? new[] { "datasource", "job", "instance", "endpoint" } : ["datasource", "job", "instance"];
            Assert.Equal(expected, VariableNames(file));
        }
    }

    [Fact]
    public void Every_declared_variable_is_used_in_a_target_expression()
    {
        var unused = new List<string>();
        foreach (var file in Dashboards.Files)
        {
            var dashboard = Path.GetFileName(file);
            var expressions = Dashboards.Targets().Where(t => t.Dashboard == dashboard).Select(t => t.Expr).ToList();
            // The datasource variable is used by the panels' datasource, not in expressions (next test).
            unused.AddRange(VariableNames(file).Where(name => name != "datasource")
                .Where(name => !expressions.Any(e => Regex.IsMatch(e, $@"\$(\{{)?{name}\b|\[\[{name}\]\]")))
                .Select(name => $"{dashboard}: ${name}"));
        }

        Assert.True(unused.Count == 0, "declared but used by no panel query: " + string.Join(", ", unused));
    }

    /// <summary>
    /// Every dashboard opens on the local Prometheus and switches every PromQL panel, query variable and annotation
    /// to VictoriaMetrics (the HA topology's global store) with one $datasource variable: no Prometheus reference
    /// is pinned to a data source.
    /// </summary>
    [Fact]
    public void Every_dashboard_switches_its_promql_between_prometheus_and_victoriametrics_with_datasource()
    {
        foreach (var file in Dashboards.Files)
        {
            using var doc = Dashboards.Load(file);
            var name = Path.GetFileName(file);
            var variable = doc.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray()
                .Single(v => v.GetProperty("name").GetString() == "datasource");
            Assert.Equal("datasource", variable.GetProperty("type").GetString());
            Assert.Equal("prometheus", variable.GetProperty("query").GetString());
            Assert.Equal("prometheus", variable.GetProperty("current").GetProperty("value").GetString());
            var pinned = DashboardModel.DatasourceReferences(doc.RootElement)
                .Where(r => r.Value.ValueKind == System.Text.Json.JsonValueKind.Object && r.Value.GetProperty("type").GetString() == "prometheus")
                .Where(r => r.Value.GetProperty("uid").GetString() != "${datasource}")
                .Select(r => $"{name} {r.Path}")
                .ToList();
            Assert.True(pinned.Count == 0, "Prometheus references not through ${datasource}: " + string.Join(", ", pinned));
        }

        Assert.True(Dashboards.Targets().Count(t => t.DatasourceUid == "prometheus") > 40, "the variable's current value must resolve to the provisioned Prometheus");
    }

    [Fact]
    public void Provisioned_datasources_have_the_uids_dashboards_use()
    {
        var sourcesList = Directory.GetFiles(Repo.Monitoring("grafana", "provisioning", "datasources"), "*.yml")
            .SelectMany(f => YamlMap.Load(f).At("datasources").AsList().Select(d => d.AsMap())).ToList();
        var sources = sourcesList.ToDictionary(d => (string)d["uid"], d => (string)d["type"]);
        Assert.Equal("prometheus", sources["prometheus"]);
        Assert.Equal("loki", sources["loki"]);
        Assert.Equal("alertmanager", sources["alertmanager"]);
        // The global store, a Prometheus-type source the $datasource variable offers (query: prometheus).
        Assert.Equal("prometheus", sources["victoriametrics"]);
        var victoria = sourcesList.Single(d => (string)d["uid"] == "victoriametrics");
        Assert.Equal("http://victoriametrics:8428", victoria["url"]);
        Assert.Equal("$MONITORING_WEB_PASSWORD", victoria.At("secureJsonData", "basicAuthPassword"));

        var providers = YamlMap.Load(Directory.GetFiles(Repo.Monitoring("grafana", "provisioning", "dashboards"), "*.yml").Single());
        Assert.Equal("/var/lib/grafana/dashboards/thebot", providers.At("providers", 0, "options", "path"));
    }

    private static List<string> VariableNames(string file)
    {
        using var doc = Dashboards.Load(file);
        return [.. doc.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()!)];
    }
}
