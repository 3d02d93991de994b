using System.Text.Json;
using TheBot.MonitoringConfig.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>
/// Every inhibit rule of alertmanager.yml, proven against a running Alertmanager (loopback, free port, clustering off)
/// with alerts as Prometheus really sends them: name, severity and component from alert_rules.yml, the labels their
/// expressions keep (job, instance, slo, ...), and the external labels of prometheus.yml.
/// </summary>
[Trait(TestCategory.Name, TestCategory.RealServers)]
public class AlertmanagerInhibitionTests
{
    private const string Backend = "thebot-backend";

    /// <summary>The rule whose sources are a target's own down alerts and whose target is that target's TargetDown.</summary>
    private const string KeyDownToTargetDown =
        "alertname=~\"BackendInstanceDown|VictoriaMetricsDown|FrontendServiceDown|PostgreSQLDown|RedisDown\" -> alertname=\"TargetDown\"";

    /// <summary>The rule whose source is the database outage's aftermath and whose targets are the backend's 5-minute symptoms.</summary>
    private const string AfterDatabaseOutage =
        "alertname=\"DatabaseOutageRecent\" -> alertname=~\"BackendHighErrorRate|BackendHighLatency|BackendSlowQueries|BackendDatabaseConnectionErrors|PaymentsFailing|BackgroundTasksFailing|BackendErrorBudgetBurn1h|FrontendHighErrorRate|FrontendHighLatency\"";

    // What each alert's expression leaves on the series (see alert_rules.yml and prometheus.yml's targets).
    private static readonly (string, string)[] BackendTarget = [("job", Backend), ("instance", "backend:8000"), ("service", "backend")];
    private static readonly (string, string)[] FrontendTarget = [("job", "thebot-frontend"), ("instance", "frontend:3001"), ("service", "frontend")];
    private static readonly (string, string)[] NodeTarget = [("job", "node"), ("instance", "node-exporter:9100")];
    private static readonly (string, string)[] PostgresTarget = [("job", "postgres"), ("instance", "postgres:5432")];
    private static readonly (string, string)[] RedisTarget = [("job", "redis"), ("instance", "redis:6379")];

    // HA topology (thebot up --topology ha): a second backend instance, VictoriaMetrics, a replica's remote_write queue.
    private static readonly (string, string)[] SecondBackend = [("job", Backend), ("instance", "backend-2:8000"), ("service", "backend")];
    private static readonly (string, string)[] VictoriaMetricsTarget = [("job", "victoriametrics"), ("instance", "victoriametrics:8428")];
    private static readonly (string, string)[] RemoteWriteQueue =
        [("job", "prometheus"), ("instance", "prometheus-a:9090"), ("remote_name", "vm"), ("url", "http://victoriametrics:8428/api/v1/write")];

    // The same alert from another Prometheus (another cluster's external label): a cross-job rule must leave it alone.
    private static readonly (string, string) OtherCluster = ("cluster", "thebot-eu");

    /// <summary>
    /// One case per inhibit rule, keyed by the rule's source and target matchers: the source, the alert it must
    /// suppress, and alerts it must leave alone (the same target with another value of an <c>equal</c> label, such as
    /// another cluster, and an alert its target matchers do not cover).
    /// </summary>
    private static readonly InhibitionCase[] Cases =
    [
        new(
            "alertname=~\"BackendErrorBudgetBurn(1h|6h)\" -> alertname=~\"BackendErrorBudgetBurn(1d|3d)\"",
            Source: FromRules("BackendErrorBudgetBurn1h", ("job", Backend), ("slo", "availability")),
            Suppressed: FromRules("BackendErrorBudgetBurn1d", ("job", Backend), ("slo", "availability")),
            Untouched: [FromRules("BackendErrorBudgetBurn3d", ("job", Backend), ("slo", "latency"))]),
        new(
            "alertname=\"BackendHighErrorRate\" -> alertname=~\"BackendErrorBudgetBurn(1d|3d)\", slo=\"availability\"",
            Source: FromRules("BackendHighErrorRate", ("job", Backend)),
            Suppressed: FromRules("BackendErrorBudgetBurn3d", ("job", Backend), ("slo", "availability")),
            Untouched:
            [
                FromRules("BackendErrorBudgetBurn3d", ("job", "thebot-backend-canary"), ("slo", "availability")),
                FromRules("BackendErrorBudgetBurn1d", ("job", Backend), ("slo", "latency")),
            ]),
        new(
            "alertname=\"CriticalMemoryUsage\" -> alertname=\"HighMemoryUsage\"",
            Source: FromRules("CriticalMemoryUsage", NodeTarget),
            Suppressed: FromRules("HighMemoryUsage", NodeTarget),
            Untouched: [FromRules("HighMemoryUsage", ("job", "node"), ("instance", "db-host:9100"))]),
        new(
            "alertname=\"BackendServiceDown\" -> alertname=~\"BackendHighErrorRate|BackendHighLatency|BackendSlowQueries|BackendErrorBudgetBurn.*|TargetDown|BackendInstanceDown\"",
            Source: FromRules("BackendServiceDown", BackendTarget),
            Suppressed: FromRules("BackendHighLatency", ("job", Backend)),
            Untouched: [FromRules("TargetDown", PostgresTarget), FromRules("BackendInstanceDown", ("job", "thebot-backend-canary"), ("instance", "backend-2:8000"))]),
        new(
            "alertname=\"BackendServiceDown\" -> alertname=~\"BackendHighErrorRate|BackendHighLatency|BackendSlowQueries|BackendErrorBudgetBurn.*|TargetDown|BackendInstanceDown\"",
            Source: FromRules("BackendServiceDown", SecondBackend),
            Suppressed: FromRules("BackendInstanceDown", [.. SecondBackend, ("instance", "backend-1:8000")]),
            Untouched: [FromRules("BackendInstanceDown", ("job", "thebot-backend-canary"), ("instance", "backend-1:8000"))]),
        new(
            KeyDownToTargetDown,
            Source: FromRules("BackendInstanceDown", SecondBackend),
            Suppressed: FromRules("TargetDown", SecondBackend),
            Untouched: [FromRules("TargetDown", ("job", Backend), ("instance", "backend-1:8000"), ("service", "backend"))]),
        new(
            KeyDownToTargetDown,
            Source: FromRules("VictoriaMetricsDown", VictoriaMetricsTarget),
            Suppressed: FromRules("TargetDown", VictoriaMetricsTarget),
            Untouched: [FromRules("TargetDown", BackendTarget)]),
        new(
            // A hung PostgreSQL times out its exporter's scrape: PostgreSQLDown (up == 0 arm) pages at once, and
            // TargetDown on the exporter would say the same 4 minutes later to the ops channel.
            KeyDownToTargetDown,
            Source: FromRules("PostgreSQLDown", PostgresTarget),
            Suppressed: FromRules("TargetDown", PostgresTarget),
            Untouched: [FromRules("TargetDown", ("job", "postgres"), ("instance", "postgres-replica:5432")), FromRules("TargetDown", RedisTarget)]),
        new(
            KeyDownToTargetDown,
            Source: FromRules("RedisDown", RedisTarget),
            Suppressed: FromRules("TargetDown", RedisTarget),
            Untouched: [FromRules("TargetDown", PostgresTarget)]),
        new(
            "alertname=\"VictoriaMetricsDown\" -> alertname=~\"PrometheusRemoteWriteBehind|PrometheusRemoteWriteFailing\"",
            Source: FromRules("VictoriaMetricsDown", VictoriaMetricsTarget),
            Suppressed: FromRules("PrometheusRemoteWriteBehind", RemoteWriteQueue),
            Untouched: [FromRules("PrometheusReplicasDisagree", ("scrape_job", Backend))]),
        new(
            KeyDownToTargetDown,
            Source: FromRules("FrontendServiceDown", FrontendTarget),
            Suppressed: FromRules("TargetDown", FrontendTarget),
            Untouched: [FromRules("TargetDown", ("job", "thebot-frontend"), ("instance", "frontend-2:3001"), ("service", "frontend"))]),
        new(
            "alertname=\"PostgreSQLDown\" -> alertname=~\"LongRunningQueries|PostgreSQLConnectionsNearMax|PostgreSQLDeadlocks|PostgreSQLReplicationLag|PostgresExporterErrors\"",
            Source: FromRules("PostgreSQLDown", PostgresTarget),
            Suppressed: FromRules("PostgreSQLDeadlocks", ("instance", "postgres:5432"), ("datname", "thebot")),
            Untouched: [FromRules("LongRunningQueries", ("job", "postgres"), ("instance", "postgres-replica:5432"))]),
        new(
            "alertname=\"PostgreSQLDown\" -> alertname=~\"BackendHighErrorRate|BackendHighLatency|BackendSlowQueries|BackendDatabaseUnreachable|BackendDatabaseConnectionErrors|PaymentsFailing|BackgroundTasksFailing|BackendErrorBudgetBurn.*|FrontendHighErrorRate|FrontendHighLatency\"",
            Source: FromRules("PostgreSQLDown", PostgresTarget),
            Suppressed: FromRules("BackendErrorBudgetBurn1h", ("job", Backend), ("slo", "availability")),
            Untouched:
            [
                FromRules("BackendServiceDown", BackendTarget),
                FromRules("PaymentsFailing", ("job", Backend), OtherCluster),
            ]),
        new(
            "alertname=\"BackendDatabaseUnreachable\" -> alertname=~\"BackendHighErrorRate|BackendHighLatency|BackendSlowQueries|BackendDatabaseConnectionErrors|PaymentsFailing|BackgroundTasksFailing|BackendErrorBudgetBurn.*|FrontendHighErrorRate|FrontendHighLatency\"",
            Source: FromRules("BackendDatabaseUnreachable", [.. BackendTarget, ("component", "database")]),
            Suppressed: FromRules("BackendHighErrorRate", ("job", Backend)),
            Untouched:
            [
                FromRules("BackendHighErrorRate", ("job", "thebot-backend-canary")),
                FromRules("PaymentsFailing", ("job", Backend), OtherCluster),
                FromRules("BackendServiceDown", BackendTarget),
            ]),
        new(
            // The outage is over, the 5-minute windows still hold it: the symptoms stay held back. A probe that still
            // fails is a new fault (BackendDatabaseUnreachable pages), and the 6h burn rate counts the outage by design.
            AfterDatabaseOutage,
            Source: FromRules("DatabaseOutageRecent"),
            Suppressed: FromRules("BackendHighErrorRate", ("job", Backend)),
            Untouched:
            [
                FromRules("BackendDatabaseUnreachable", [.. BackendTarget, ("component", "database")]),
                FromRules("BackendErrorBudgetBurn6h", ("job", Backend), ("slo", "availability")),
                FromRules("BackendHighErrorRate", ("job", Backend), OtherCluster),
            ]),
        new(
            // The frontend passes the backend's 5xx on; it fired before BackendHighErrorRate (which inhibits it) and paged.
            "alertname=\"PostgreSQLDown\" -> alertname=~\"BackendHighErrorRate|BackendHighLatency|BackendSlowQueries|BackendDatabaseUnreachable|BackendDatabaseConnectionErrors|PaymentsFailing|BackgroundTasksFailing|BackendErrorBudgetBurn.*|FrontendHighErrorRate|FrontendHighLatency\"",
            Source: FromRules("PostgreSQLDown", PostgresTarget),
            Suppressed: FromRules("FrontendHighErrorRate", ("job", "thebot-frontend")),
            Untouched: [FromRules("FrontendHighErrorRate", ("job", "thebot-frontend"), OtherCluster), FromRules("FrontendServiceDown", FrontendTarget)]),
        new(
            AfterDatabaseOutage,
            Source: FromRules("DatabaseOutageRecent"),
            Suppressed: FromRules("FrontendHighLatency", ("job", "thebot-frontend")),
            Untouched: [FromRules("FrontendServiceDown", FrontendTarget)]),
        new(
            AfterDatabaseOutage,
            Source: FromRules("DatabaseOutageRecent"),
            Suppressed: FromRules("BackendErrorBudgetBurn1h", ("job", Backend), ("slo", "latency")),
            Untouched: [FromRules("PostgreSQLDown", PostgresTarget), FromRules("RedisDown", RedisTarget)]),
        new(
            "alertname=~\"BackendHighErrorRate|BackendServiceDown\" -> alertname=\"FrontendHighErrorRate\"",
            Source: FromRules("BackendServiceDown", BackendTarget),
            Suppressed: FromRules("FrontendHighErrorRate", ("job", "thebot-frontend")),
            Untouched:
            [
                FromRules("FrontendHighErrorRate", ("job", "thebot-frontend"), OtherCluster),
                FromRules("FrontendHighLatency", ("job", "thebot-frontend")),
            ]),
        new(
            "alertname=\"BackendHighLatency\" -> alertname=\"FrontendHighLatency\"",
            Source: FromRules("BackendHighLatency", ("job", Backend)),
            Suppressed: FromRules("FrontendHighLatency", ("job", "thebot-frontend")),
            Untouched:
            [
                FromRules("FrontendHighLatency", ("job", "thebot-frontend"), OtherCluster),
                FromRules("FrontendHighErrorRate", ("job", "thebot-frontend")),
            ]),
        new(
            "alertname=\"RedisDown\" -> alertname=\"BackendCacheErrors\"",
            Source: FromRules("RedisDown", RedisTarget),
            Suppressed: FromRules("BackendCacheErrors", ("job", Backend), ("cache_name", "redis")),
            Untouched:
            [
                FromRules("BackendCacheErrors", ("job", Backend), ("cache_name", "redis"), OtherCluster),
                FromRules("RedisEvictions", RedisTarget),
            ]),
        new(
            "alertname=\"RedisDown\" -> alertname=~\"RedisMemoryNearMax|RedisEvictions|RedisRejectedConnections\"",
            Source: FromRules("RedisDown", RedisTarget),
            Suppressed: FromRules("RedisEvictions", RedisTarget),
            Untouched: [FromRules("RedisEvictions", ("job", "redis"), ("instance", "redis-sessions:6379"))]),
    ];

    /// <summary>The cases, for the theory: the rule's key (readable in the test name) and the case's index (a rule may have several).</summary>
    public static TheoryData<string, int> CaseKeys()
    {
        var data = new TheoryData<string, int>();
        foreach (var (c, i) in Cases.Select((c, i) => (c, i)))
        {
            data.Add(c.RuleKey, i);
        }

        return data;
    }

    [Fact]
    public void Every_inhibit_rule_has_a_live_case()
    {
        Assert.Equal(RuleKeys().Order(), Cases.Select(c => c.RuleKey).Distinct().Order());
    }

    /// <summary>
    /// Each rule compares the external label <c>cluster</c>, so a source from one cluster's Prometheus never mutes
    /// another's, and never <c>replica</c>, which Prometheus drops from alerts in the HA topology (comparing it would
    /// only ever compare two empty values, and would split the rule if it were ever sent).
    /// </summary>
    [Fact]
    public void Every_inhibit_rule_keeps_clusters_apart_and_ignores_replicas()
    {
        var external = YamlMap.Load(Repo.Monitoring("prometheus", "prometheus.yml")).At("global", "external_labels").AsMap().Keys.Cast<string>().ToList();
        Assert.Contains("cluster", external);
        var rules = YamlMap.Load(AlertmanagerConfig.CommittedPath).At("inhibit_rules").AsList();
        var wrong = rules
            .Select(r => (Key: RuleKey(r), Equal: r.At("equal").AsList().Select(l => l.AsText()!).ToList()))
            .Where(r => !r.Equal.Contains("cluster") || r.Equal.Contains("replica"))
            .Select(r => $"{r.Key}: equal [{string.Join(", ", r.Equal)}]")
            .ToList();
        Assert.True(wrong.Count == 0, "inhibit rules without `cluster` in equal (or with `replica`):\n" + string.Join('\n', wrong));
    }

    [Theory]
    [MemberData(nameof(CaseKeys))]
    public async Task Inhibit_rule_suppresses_its_target_and_nothing_else(string ruleKey, int caseIndex)
    {
        Tools.Require("prometheus-alertmanager");
        var @case = Cases[caseIndex];
        Assert.Equal(ruleKey, @case.RuleKey);
        using var dir = new CheckTempDir();
        await using var am = await AlertmanagerServer.StartNewAsync(await ConfigWithOnlyRuleAsync(dir, ruleKey));

        var alerts = new List<(string Id, Dictionary<string, string> Labels)> { ("source", @case.Source), ("suppressed", @case.Suppressed) };
        alerts.AddRange(@case.Untouched.Select((labels, i) => ($"untouched-{i}", labels)));
        // The very alert it suppresses, but from another cluster's Prometheus: a source in cluster A never mutes cluster B.
        alerts.Add(("untouched-other-cluster", new Dictionary<string, string>(@case.Suppressed) { [OtherCluster.Item1] = OtherCluster.Item2 }));
        await am.PostAlertsAsync(alerts.Select(a => Posted(a.Id, a.Labels)));

        Dictionary<string, AlertStatus> status = [];
        await TestHttp.WaitUntilAsync(
            async () =>
            {
                status = Statuses(await am.ListAlertsAsync());
                return alerts.All(a => status.ContainsKey(a.Id)) && status["suppressed"].InhibitedBy.Count > 0;
            },
            TimeSpan.FromSeconds(20),
            () => $"{ruleKey}: not inhibited as expected: " + string.Join(", ", status.Select(kv => $"{kv.Key}={kv.Value}")));

        Assert.Equal("suppressed", status["suppressed"].State);
        Assert.Equal(new[] { status["source"].Fingerprint }, status["suppressed"].InhibitedBy);
        Assert.Equal(("active", 0), (status["source"].State, status["source"].InhibitedBy.Count));
        foreach (var (id, labels) in alerts.Where(a => a.Id.StartsWith("untouched", StringComparison.Ordinal)))
        {
            Assert.True(status[id] is { State: "active", InhibitedBy.Count: 0 }, $"{ruleKey}: {string.Join(",", labels)} must stay active, is {status[id]}");
        }
    }

    /// <summary>An alert as Prometheus sends it: labels of the rule in alert_rules.yml, the expression's labels, external labels.</summary>
    private static Dictionary<string, string> FromRules(string alertName, params (string Key, string Value)[] expressionLabels)
    {
        var rule = RuleFile.Alerts.Rules.SingleOrDefault(r => r.Alert == alertName)
            ?? throw new InvalidOperationException($"alert_rules.yml has no alert {alertName}");
        var labels = new Dictionary<string, string>(rule.Labels) { ["alertname"] = alertName };
        foreach (var (key, value) in expressionLabels)
        {
            labels[key] = value;
        }

        // As Prometheus does, an external label never overrides a label the alert already has (OtherCluster).
        foreach (var (key, value) in YamlMap.Load(Repo.Monitoring("prometheus", "prometheus.yml")).At("global", "external_labels").AsMap())
        {
            labels.TryAdd((string)key, (string)value);
        }

        return labels;
    }

    private static IEnumerable<string> RuleKeys() =>
        YamlMap.Load(AlertmanagerConfig.CommittedPath).At("inhibit_rules").AsList().Select(RuleKey);

    private static string RuleKey(object rule) =>
        string.Join(", ", rule.At("source_matchers").AsList()) + " -> " + string.Join(", ", rule.At("target_matchers").AsList());

    /// <summary>The rendered committed config with only the rule under test, so a suppression can come from no other rule.</summary>
    private static async Task<string> ConfigWithOnlyRuleAsync(CheckTempDir dir, string ruleKey)
    {
        var config = YamlMap.Load(await AlertmanagerConfig.RenderAsync(dir));
        config["inhibit_rules"] = config.At("inhibit_rules").AsList().Where(r => RuleKey(r) == ruleKey).ToList();
        Assert.Single(config.At("inhibit_rules").AsList());
        return YamlMap.Write(config);
    }

    private static object Posted(string id, Dictionary<string, string> labels) => new
    {
        labels = new Dictionary<string, string>(labels) { ["test_id"] = id },
        annotations = new Dictionary<string, string> { ["summary"] = id },
        startsAt = DateTime.UtcNow.AddMinutes(-1),
        endsAt = DateTime.UtcNow.AddMinutes(10),
    };

    private static Dictionary<string, AlertStatus> Statuses(JsonElement alerts) =>
        alerts.EnumerateArray().ToDictionary(
            a => a.GetProperty("labels").GetProperty("test_id").GetString()!,
            a => new AlertStatus(
                a.GetProperty("status").GetProperty("state").GetString()!,
                a.GetProperty("fingerprint").GetString()!,
                [.. a.GetProperty("status").GetProperty("inhibitedBy").EnumerateArray().Select(f => f.GetString()!)]));

    private sealed record InhibitionCase(string RuleKey, Dictionary<string, string> Source, Dictionary<string, string> Suppressed, Dictionary<string, string>[] Untouched);

    private sealed record AlertStatus(string State, string Fingerprint, List<string> InhibitedBy)
    {
        public override string ToString() => $"{State} (inhibited by {InhibitedBy.Count})";
    }
}
