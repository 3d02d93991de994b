using System.Text.RegularExpressions;
using TheBot.MonitoringConfig.Tests.Support;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>monitoring/prometheus/prometheus.yml and the two rule files, checked by promtool and by reading them.</summary>
public partial class PrometheusConfigTests
{
    private static readonly string[] Jobs = ["thebot-backend", "thebot-frontend", "node", "postgres", "redis", "prometheus", "alertmanager"];

    [Fact]
    public async Task Promtool_check_config_accepts_the_committed_file()
    {
        // The check copies the file beside the rule files and points only the container's credentials_file at a dummy.
        Assert.Contains("credentials_file: /etc/prometheus/secrets/scrape-token", await File.ReadAllTextAsync(Repo.Monitoring("prometheus", "prometheus.yml")), StringComparison.Ordinal);
        Tools.Require("promtool");
        await CheckAssert.PassesAsync(new PrometheusConfigCheck());
    }

    [Theory]
    [InlineData("recording_rules.yml")]
    [InlineData("alert_rules.yml")]
    public async Task Promtool_check_rules_lint_fatal_accepts(string file) =>
        await Tools.RunOkAsync("promtool", ["check", "rules", "--lint=all", "--lint-fatal", Repo.Monitoring("prometheus", file)]);

    [Fact]
    public void Scrape_jobs_targets_paths_and_auth_are_as_specified()
    {
        var config = YamlMap.Load(Repo.Monitoring("prometheus", "prometheus.yml"));
        Assert.Equal("15s", config.At("global", "scrape_interval"));
        Assert.Equal("15s", config.At("global", "evaluation_interval"));
        Assert.NotEmpty(config.At("global", "external_labels").AsMap());
        Assert.Equal(["recording_rules.yml", "alert_rules.yml"], config.At("rule_files").AsList().Cast<string>());
        Assert.Equal("alertmanager:9093", config.At("alerting", "alertmanagers", 0, "static_configs", 0, "targets", 0));

        var jobs = config.At("scrape_configs").AsList().Select(j => j.AsMap()).ToDictionary(j => (string)j["job_name"]);
        Assert.Equal(Jobs.Order(), jobs.Keys.Order());
        var targets = new Dictionary<string, string>
        {
            ["thebot-backend"] = "backend:8000", ["thebot-frontend"] = "frontend:3001", ["node"] = "node-exporter:9100",
            ["postgres"] = "postgres-exporter:9187", ["redis"] = "redis-exporter:9121", ["prometheus"] = "prometheus:9090",
            ["alertmanager"] = "alertmanager:9093",
        };
        foreach (var (job, target) in targets)
        {
            Assert.Equal(target, jobs[job].At("static_configs", 0, "targets", 0));
        }

        // The exporters' targets are labelled with the server they watch: the database and cache alerts name it.
        Assert.Equal("postgres:5432", jobs["postgres"].At("static_configs", 0, "labels", "instance"));
        Assert.Equal("redis:6379", jobs["redis"].At("static_configs", 0, "labels", "instance"));

        foreach (var job in new[] { "thebot-backend", "thebot-frontend" })
        {
            Assert.Equal("/api/system/metrics/prometheus/", jobs[job].At("metrics_path"));
            Assert.Equal("Bearer", jobs[job].At("authorization", "type"));
            Assert.Equal("/etc/prometheus/secrets/scrape-token", jobs[job].At("authorization", "credentials_file"));
        }
    }

    [Fact]
    public async Task Remote_write_is_documented_but_commented_out()
    {
        var text = await File.ReadAllTextAsync(Repo.Monitoring("prometheus", "prometheus.yml"));
        Assert.Contains("# remote_write:", text, StringComparison.Ordinal);
        foreach (var backend in new[] { "Thanos", "Mimir", "VictoriaMetrics" })
        {
            Assert.Contains(backend, text, StringComparison.Ordinal);
        }

        Assert.Null(YamlMap.Load(Repo.Monitoring("prometheus", "prometheus.yml")).At("remote_write"));
    }

    [Fact]
    public void Spec_recording_rule_names_exist()
    {
        var records = RuleFile.Recordings.Rules.Select(r => r.Record).ToHashSet();
        string[] required =
        [
            "job:thebot_http_requests:rate5m", "job:thebot_http_request_duration_seconds:p95",
            "instance:node_memory_usage:percent", "instance:redis_keyspace_hits:ratio",
        ];
        Assert.All(required, name => Assert.Contains(name, records));
    }

    [Fact]
    public void Slo_series_exist_for_every_window_and_both_slos()
    {
        var slo = RuleFile.Recordings.Rules.Where(r => r.Record?.StartsWith("slo:sli_error:ratio_rate", StringComparison.Ordinal) == true).ToList();
        foreach (var window in new[] { "5m", "30m", "1h", "2h", "6h", "1d", "3d" })
        {
            foreach (var kind in new[] { "availability", "latency" })
            {
                var rule = Assert.Single(slo, r => r.Record == $"slo:sli_error:ratio_rate{window}" && r.Labels.GetValueOrDefault("slo") == kind);
                Assert.Contains($"[{window}]", rule.Expr, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Every_rule_over_a_duration_familys_classic_series_has_its_native_twin()
    {
        // A rule recording classic buckets (job_le:…_bucket:rate5m) is classic by definition; the rules that read it
        // must then carry the twin, and they are checked like any other.
        var rules = RuleFile.Recordings.Rules.Concat(RuleFile.Alerts.Rules)
            .Where(r => r.Record?.Contains("_bucket", StringComparison.Ordinal) != true).ToList();
        var reading = rules.Where(r => NativeTwins.ClassicReads(r.Expr).Count > 0).ToList();
        Assert.Contains(reading, r => r.Record == "job:thebot_db_slow_queries:rate5m");
        Assert.True(reading.Count >= 13, $"only {reading.Count} rules read the duration families' classic series");
        Assert.All(reading, r => Assert.True(NativeTwins.Missing(r.Expr).Count == 0, $"{r}: no native twin for {string.Join(", ", NativeTwins.Missing(r.Expr))}"));
    }

    /// <summary>
    /// A selector on a job nobody scrapes matches nothing and says nothing: an alert on it never fires, a panel stays
    /// empty, a runbook query answers "no data" in the middle of an incident. Every job an alert, a recording rule, a
    /// dashboard or a runbook names (<c>job="…"</c>, and each literal of <c>job=~"a|b"</c>) must be a <c>job_name</c> of
    /// prometheus.yml or prometheus-ha.yml.
    /// </summary>
    [Fact]
    public void Every_job_a_rule_dashboard_or_runbook_selects_is_scraped()
    {
        var scraped = new[] { "prometheus.yml", "prometheus-ha.yml" }
            .SelectMany(file => YamlMap.Load(Repo.Monitoring("prometheus", file)).At("scrape_configs").AsList())
            .Select(job => (string)job.AsMap()["job_name"])
            .ToHashSet(StringComparer.Ordinal);
        var uses = RuleFile.Alerts.Rules.Concat(RuleFile.Recordings.Rules).Select(r => ($"rule {r}", r.Expr))
            .Concat(Dashboards.Targets().Where(t => t.DatasourceUid == "prometheus").Select(t => (t.Origin, t.Expr)))
            .Concat(AlertMetadataTests.RunbookQueries());
        var selected = uses.SelectMany(use => SelectedJobs(use.Item2).Select(job => (Origin: use.Item1, Job: job))).ToList();

        var unknown = selected.Where(s => !scraped.Contains(s.Job)).Select(s => $"{s.Origin}: job=\"{s.Job}\"").Distinct().ToList();
        Assert.True(unknown.Count == 0, $"jobs nobody scrapes (scraped: {string.Join(", ", scraped.Order())}):\n{string.Join('\n', unknown)}");
        // Hundreds of selectors name a job; a count this low means the extraction broke, not that all is well.
        Assert.True(selected.Count > 150, $"only {selected.Count} job selectors found");
    }

    [Theory]
    [InlineData("sum by (job) (rate(x{job=\"thebot-backend\", code=~\"5..\"}[5m]))", new[] { "thebot-backend" })]
    [InlineData("up{job=~\"thebot-frontend|thebot-backend\"} == 0", new[] { "thebot-frontend", "thebot-backend" })]
    [InlineData("up{ job = \"node\" } or up{job!=\"redis\"} or up{job=~\".+\"} or up{job=~\"$job\"}", new[] { "node" })]
    [InlineData("count by (job) (up)", new string[0])]
    public void The_job_check_reads_equality_and_literal_alternatives(string expr, string[] expected) =>
        Assert.Equal(expected, SelectedJobs(expr));

    /// <summary>
    /// The jobs a PromQL expression selects by name: the value of each <c>job="…"</c>, and each alternative of a
    /// <c>job=~"…"</c> that is a plain list of names. Patterns (<c>.+</c>), negations and Grafana variables select no
    /// particular job and are left out.
    /// </summary>
    private static string[] SelectedJobs(string expr) =>
    [
        .. JobMatcher().Matches(expr)
            .SelectMany(m => m.Groups["op"].Value == "=" ? [m.Groups["value"].Value] : m.Groups["value"].Value.Split('|'))
            .Where(job => job.Length > 0 && job.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')),
    ];

    [GeneratedRegex(@"(?<![A-Za-z0-9_])job\s*(?<op>=~|=)\s*""(?<value>[^""]*)""")]
    private static partial Regex JobMatcher();

    [Fact]
    public void The_twin_check_finds_a_classic_only_expression()
    {
        // The check above must be able to fail: the slow-query rule as it was before its twin.
        const string classicOnly = "sum by (job) (rate(thebot_db_query_duration_seconds_count[5m])) - sum by (job) (rate(thebot_db_query_duration_seconds_bucket{le=\"0.5\"}[5m]))";
        Assert.Equal(["thebot_db_query_duration_seconds"], NativeTwins.Missing(classicOnly));
        Assert.Empty(NativeTwins.Missing(classicOnly + " or histogram_count(sum by (job) (rate(thebot_db_query_duration_seconds[5m])))"));
    }
}
