using TheBot.MonitoringConfig.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>Checks against real exporters and a real Prometheus loaded with the committed rules (see <see cref="LiveStack"/>).</summary>
[Trait(TestCategory.Name, TestCategory.Stack)]
[Collection(LiveStackCollection.Name)]
public class LiveStackTests(LiveStack stack)
{
    [Fact]
    public void Every_metric_in_dashboards_rules_and_runbooks_is_exported_by_the_stack()
    {
        var uses = Dashboards.Targets().Where(t => t.DatasourceUid == "prometheus").Select(t => (t.Origin, t.Expr))
            .Concat(RuleFile.Alerts.Rules.Concat(RuleFile.Recordings.Rules).Select(r => ($"rule {r}", r.Expr)))
            .Concat(AlertMetadataTests.RunbookQueries());
        var unknown = uses
            .SelectMany(u => PromQl.MetricNames(u.Item2).Where(n => !stack.KnownNames.Contains(n)).Select(n => $"{u.Item1}: {n}"))
            .Distinct()
            .ToList();
        Assert.True(unknown.Count == 0, "metrics nobody exports (not from node/redis/postgres exporters, Prometheus, Alertmanager, the thebot_* library or a recording rule):\n" + string.Join('\n', unknown));
    }

    [Fact]
    public async Task Every_dashboard_query_runs_on_the_live_prometheus()
    {
        var failures = new List<string>();
        foreach (var target in Dashboards.Targets().Where(t => t.DatasourceUid == "prometheus"))
        {
            var (ok, error) = await stack.TryQueryAsync(GrafanaVariables.PromQl.Substitute(target.Expr));
            if (!ok)
            {
                failures.Add($"{target.Origin}: {error}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    /// <summary>The dashboards' $datasource offers VictoriaMetrics (the HA topology's global store) beside Prometheus: every query must run there too.</summary>
    [Fact]
    public async Task Every_dashboard_query_runs_on_live_victoriametrics()
    {
        var failures = new List<string>();
        var targets = Dashboards.Targets().Where(t => t.DatasourceUid == "prometheus").ToList();
        foreach (var target in targets)
        {
            var (ok, error) = await stack.TryQueryAsync(GrafanaVariables.PromQl.Substitute(target.Expr), stack.VictoriaMetrics.Url);
            if (!ok)
            {
                failures.Add($"{target.Origin}: {error}");
            }
        }

        Assert.True(targets.Count > 40, $"only {targets.Count} Prometheus targets");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Prometheus_loads_every_committed_rule_and_all_evaluate_healthy()
    {
        var expected = RuleFile.Alerts.Rules.Count() + RuleFile.Recordings.Rules.Count();
        List<string> unhealthy = [];
        var count = 0;
        await TheBot.Testing.TestHttp.WaitUntilAsync(
            async () =>
            {
                var rules = (await stack.Prometheus.GetJsonAsync("/api/v1/rules")).GetProperty("data").GetProperty("groups")
                    .EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
                count = rules.Count;
                unhealthy = [.. rules.Where(r => r.GetProperty("health").GetString() != "ok")
                    .Select(r => $"{r.GetProperty("name")}: {r.GetProperty("health")} {(r.TryGetProperty("lastError", out var e) ? e.ToString() : "")}")];
                return count == expected && unhealthy.Count == 0;
            },
            TimeSpan.FromSeconds(15),
            () => $"{count}/{expected} rules loaded; unhealthy: {string.Join("; ", unhealthy)}");
    }

    [Fact]
    public async Task Watchdog_fires_on_the_live_prometheus()
    {
        await TheBot.Testing.TestHttp.WaitUntilAsync(
            async () => (await stack.Prometheus.QueryAsync("ALERTS{alertname=\"Watchdog\",alertstate=\"firing\"}")).GetArrayLength() == 1,
            TimeSpan.FromSeconds(15),
            () => "Watchdog is not firing");
    }

    [Fact]
    public async Task Postgres_exporter_queries_produce_the_documented_metrics()
    {
        var scrape = await stack.Postgres.ScrapeAsync();
        Assert.Equal(0, PromQl.SampleValue(scrape, "pg_exporter_last_scrape_error"));
        Assert.Equal(0, PromQl.SampleValue(scrape, "pg_replication_lag_seconds"));
        var max = PromQl.SampleValue(scrape, "pg_connections_max");
        var used = PromQl.SampleValue(scrape, "pg_connections_used");
        var available = PromQl.SampleValue(scrape, "pg_connections_available");
        Assert.True(max > 0 && used >= 1 && available == max - used, $"max={max} used={used} available={available}");
        Assert.NotNull(PromQl.SampleValue(scrape, "pg_long_running_queries_max_duration_seconds"));
        Assert.NotNull(PromQl.SampleValue(scrape, "pg_long_running_queries_over_5s"));
        Assert.NotNull(PromQl.SampleValue(scrape, "pg_stat_statements_mean_exec_time_seconds"));
        Assert.NotNull(PromQl.SampleValue(scrape, "pg_stat_statements_calls_total"));
    }

    [Fact]
    public async Task Long_running_query_is_measured_in_seconds()
    {
        var sleeper = stack.Postgres.QueryAsync("SELECT pg_sleep(3)");
        try
        {
            double? age = 0;
            await TheBot.Testing.TestHttp.WaitUntilAsync(
                async () => (age = PromQl.SampleValue(await stack.Postgres.ScrapeAsync(), "pg_long_running_queries_max_duration_seconds")) >= 1,
                TimeSpan.FromSeconds(3),
                () => $"oldest active query age {age}, expected >= 1 s while pg_sleep(3) runs");
            Assert.True(age < 10, $"age {age} s is not in seconds");
        }
        finally
        {
            await sleeper;
        }
    }

    [Fact]
    public void Exporters_export_what_the_alerts_rely_on()
    {
        string[] required =
        [
            "pg_up", "pg_stat_database_deadlocks", "pg_exporter_last_scrape_error", "redis_up", "redis_memory_used_bytes",
            "redis_memory_max_bytes", "redis_evicted_keys_total", "redis_rejected_connections_total", "redis_keyspace_hits_total",
            "redis_keyspace_misses_total", "node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes",
            "node_filesystem_avail_bytes", "node_vmstat_oom_kill", "prometheus_config_last_reload_successful",
            "prometheus_rule_evaluation_failures_total", "prometheus_notifications_errors_total", "prometheus_notifications_sent_total",
            "prometheus_notifications_alertmanagers_discovered", "alertmanager_config_last_reload_successful", "alertmanager_notifications_failed_total",
            // The HA alerts (remote_write to VictoriaMetrics, a clustered Alertmanager, the replicas' target counts).
            "prometheus_remote_storage_highest_timestamp_in_seconds", "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
            "prometheus_remote_storage_samples_total", "prometheus_remote_storage_samples_failed_total", "prometheus_remote_storage_samples_retried_total",
            "alertmanager_cluster_members", "alertmanager_cluster_health_score", "prometheus_target_scrape_pool_targets",
        ];
        var missing = required.Where(m => !stack.ScrapedNames.Contains(m)).ToList();
        Assert.True(missing.Count == 0, "not scraped from the live exporters: " + string.Join(", ", missing));
    }
}
