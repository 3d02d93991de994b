using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>thebot check --dir COPY</c> on a copy of monitoring/ with one breakage: exit non-zero, and a ✗ line that names
/// the broken file and says what is wrong (and where, when the tool or format can tell). Every config file under
/// monitoring/ has at least one case; so have the alert metadata rules (runbook page, severity, component, summary,
/// description).
/// </summary>
[Collection(PromtoolHeavyChecks.Name)]
public class CheckBrokenCopyTests(BrokenCopyChecks checks) : IClassFixture<BrokenCopyChecks>
{
    /// <summary>
    /// Alert metadata breakages, each a single edit of alert_rules.yml, made together in one copy that proves each
    /// problem is named alert by alert.
    /// </summary>
    private static readonly (Action<MonitoringCopy> Break, string Reason)[] AlertMetadataBreakages =
    [
        (c => c.ReplaceFirst("prometheus/alert_rules.yml", "runbook_url: \"https://github.com/thebot-platform/thebot-monitoring/blob/main/docs/runbooks/BackendHighErrorRate.md\"", ""),
            "BackendHighErrorRate: annotation runbook_url missing"),
        (c => c.ReplaceAfter("prometheus/alert_rules.yml", "alert: BackendHighErrorRate", "          severity: critical\n", ""),
            "BackendHighErrorRate: label severity missing"),
        (c => c.ReplaceAfter("prometheus/alert_rules.yml", "alert: BackendServiceDown", "          component: backend\n", ""),
            "BackendServiceDown: label component missing"),
        (c => c.ReplaceAfter("prometheus/alert_rules.yml", "alert: BackendHighLatency", "summary:", "summaryy:"),
            "BackendHighLatency: annotation summary missing"),
        (c => c.ReplaceAfter("prometheus/alert_rules.yml", "alert: BackendHighLatency", "description:", "descriptionn:"),
            "BackendHighLatency: annotation description missing"),
    ];

    /// <summary>breakage name → (edit, the file named, what the reason must say).</summary>
    public static TheoryData<string> Breakages => new(Cases.Keys);

    private static readonly Dictionary<string, (Action<MonitoringCopy> Break, string File, string Reason)> Cases = new()
    {
        ["prometheus.yml is not YAML"] = (
            c => c.ReplaceFirst("prometheus/prometheus.yml", "global:", "global: [unclosed"),
            "prometheus/prometheus.yml", "yaml"),
        ["prometheus.yml has an unknown field"] = (
            c => c.Edit("prometheus/prometheus.yml", t => t + "\nscrape_configz: []\n"),
            "prometheus/prometheus.yml", "field scrape_configz not found"),
        ["a rule has a bad PromQL expr"] = (
            c => c.ReplaceFirst("prometheus/alert_rules.yml", "expr: up{job=\"thebot-backend\"} == 0", "expr: sum(up{job=\"thebot-backend\"} == 0"),
            "prometheus/alert_rules.yml", "parse error"),
        ["alertmanager routes to an unknown receiver"] = (
            c => c.ReplaceFirst("alertmanager/alertmanager.yml", "receiver: ops-team", "receiver: no-such-team"),
            "alertmanager/alertmanager.yml", "no-such-team"),
        ["a dashboard is not JSON"] = (
            c => c.ReplaceFirst("grafana/dashboards/thebot-redis.json", "\"panels\":", "\"panels\" ["),
            "grafana/dashboards/thebot-redis.json", "invalid JSON at line"),
        ["two dashboards share a uid"] = (
            c => c.ReplaceFirst("grafana/dashboards/thebot-redis.json", "\"uid\": \"thebot-redis\"", "\"uid\": \"thebot-overview\""),
            "grafana/dashboards/thebot-redis.json", "duplicate uid 'thebot-overview' (also in"),
        ["a dashboard target does not parse"] = (
            c => c.ReplaceFirst("grafana/dashboards/thebot-redis.json", "\"expr\": \"redis_up{", "\"expr\": \"sum(redis_up{"),
            "grafana/dashboards/thebot-redis.json", "PromQL does not parse"),
        ["compose mounts a missing file"] = (
            c => c.ReplaceFirst("docker-compose.monitoring.yml", "./loki/loki-config.yml:", "./loki/no-such-config.yml:"),
            "docker-compose.monitoring.yml", "mounts ./loki/no-such-config.yml, which does not exist"),
        ["a recording rule has a bad PromQL expr"] = (
            c => c.ReplaceFirst("prometheus/recording_rules.yml", "expr: sum by (job) (rate(thebot_http_requests_total[5m]))", "expr: sum by (job) (rate(thebot_http_requests_total[5m])"),
            "prometheus/recording_rules.yml", "group \"thebot-http\", rule 1, \"job:thebot_http_requests:rate5m\": could not parse expression"),
        ["a promtool unit test expects what does not happen"] = (
            c => c.ReplaceFirst("prometheus/tests/alerts_backend_test.yml", "    exp_alerts: []", "    exp_alerts: [{exp_labels: {severity: critical}}]"),
            "prometheus/tests/alerts_backend_test.yml", "name: BackendHighErrorRate: fires after its for, not before,\n    alertname: BackendHighErrorRate, time: 5m"),
        ["a promtool unit-test file is not YAML"] = (
            c => c.Write("prometheus/tests/alerts_extra_test.yml", "rule_files: [../alert_rules.yml]\ntests: [ {unclosed\n"),
            "prometheus/tests/alerts_extra_test.yml", "yaml: line 2"),
        ["the notification template does not parse"] = (
            c => c.ReplaceFirst("alertmanager/templates/thebot.tmpl", "thebot-overview{{ end }}", "thebot-overview{{ end "),
            "alertmanager/templates/thebot.tmpl", ": unexpected \"{\" in end"), // after "line N" (where the parser notices, past the break)
        ["render-config.sh forgets a variable"] = (
            c => c.ReplaceFirst("alertmanager/render-config.sh", "ALERT_WEBHOOK_URL DEADMANS_SWITCH_URL; do\n  eval \"value=\\${$name}\"", "ALERT_WEBHOOK_URL; do\n  eval \"value=\\${$name}\""),
            "alertmanager/render-config.sh", "${DEADMANS_SWITCH_URL}"),
        ["a datasource has no uid"] = (
            c => c.ReplaceAfter("grafana/provisioning/datasources/datasources.yml", "name: Loki", "    uid: loki\n", ""),
            "grafana/provisioning/datasources/datasources.yml", "datasources[1] 'Loki' needs a uid and a type"),
        ["the dashboard provider has no path"] = (
            c => c.ReplaceFirst("grafana/provisioning/dashboards/dashboards.yml", "      path: /var/lib/grafana/dashboards/thebot\n", ""),
            "grafana/provisioning/dashboards/dashboards.yml", "providers[0] 'thebot' has no options.path"),
        ["loki has an unknown top-level block"] = (
            c => c.Edit("loki/loki-config.yml", t => t + "\ningester_limits: {}\n"),
            "loki/loki-config.yml", "unknown top-level block 'ingester_limits'"),
        ["alloy names an unknown component"] = (
            c => c.ReplaceFirst("alloy/config.alloy", "loki.process \"thebot\" {", "loki.proccess \"thebot\" {"),
            "alloy/config.alloy", "unknown component loki.proccess (line 24)"),
        ["queries.yml declares a column its query does not return"] = (
            c => c.ReplaceFirst("postgres-exporter/queries.yml", "AS used,", "AS in_use,"),
            "postgres-exporter/queries.yml", "pg_connections.metrics[1] 'used': the query returns no column 'used'"),
        ["queries.yml no longer produces a metric the rules use"] = (
            c => c.Edit("postgres-exporter/queries.yml", t => t.Replace("AS used,", "AS in_use,", StringComparison.Ordinal).Replace("    - used:", "    - in_use:", StringComparison.Ordinal)),
            "postgres-exporter/queries.yml", "prometheus/alert_rules.yml uses pg_connections_used, which no query here produces"),
        ["a queries.yml column has no description"] = (
            c => c.ReplaceFirst("postgres-exporter/queries.yml", "        description: Replication lag behind the primary in seconds (0 on a primary)\n", ""),
            "postgres-exporter/queries.yml", "pg_replication.metrics[0] 'lag_seconds': description missing"),
        ["an alert's runbook page is gone"] = (
            c => File.Delete(Path.Combine(c.Runbooks, "BackendSlowQueries.md")),
            "prometheus/alert_rules.yml", "BackendSlowQueries: runbook "),
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task Broken_copy_fails_naming_the_file_and_the_problem(string breakage)
    {
        var (breakIt, file, reason) = Cases[breakage];
        // Every case's check starts now, one per core: they run while the cases before this one's turn assert.
        foreach (var (name, (otherBreak, _, _)) in Cases)
        {
            _ = checks.RunAsync(name, otherBreak);
        }

        var own = checks.RunAsync(breakage, breakIt);
        AssertFailsNaming(await own, file, [reason]);
    }

    [Fact]
    public async Task Missing_alert_metadata_is_named_alert_by_alert()
    {
        // Only the metadata check: any change to alert_rules.yml makes every promtool unit-test file run again (~45 s of
        // both cores), and their verdicts on this copy are not what this test is about.
        var run = await checks.RunAsync(
            "alert metadata",
            copy =>
            {
                foreach (var (breakIt, _) in AlertMetadataBreakages)
                {
                    breakIt(copy);
                }
            },
            "--only", "alert-metadata");

        AssertFailsNaming(run, "prometheus/alert_rules.yml", [.. AlertMetadataBreakages.Select(b => b.Reason)]);
    }

    /// <summary>
    /// <c>check</c> on a broken copy exited non-zero, has a ✗ line for <paramref name="file"/> saying each of
    /// <paramref name="reasons"/> and naming the copy (not the committed folder), and counts failures.
    /// </summary>
    private static void AssertFailsNaming(BrokenCopyCheck run, string file, string[] reasons)
    {
        Assert.True(run.Exit != 0, $"exit 0 with monitoring/{file} broken ({string.Join("; ", reasons)}):\n{run.Output}");
        foreach (var reason in reasons)
        {
            var block = CheckSupport.FailureBlock(run.Output, "monitoring/" + file, reason);
            Assert.True(block is not null, $"no ✗ line for monitoring/{file} saying '{reason}':\n{run.Output}");
            Assert.Contains(run.Dir, block, StringComparison.Ordinal);
        }

        Assert.Matches(@"\n\d+ passed, [1-9]\d* failed \(", run.Output);
    }
}
