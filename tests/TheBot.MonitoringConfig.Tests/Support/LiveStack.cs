using System.Net.Http.Json;
using System.Text.Json;
using TheBot.Testing;
using Xunit;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>
/// Real exporters (node, redis with Redis, postgres with PostgreSQL and monitoring/postgres-exporter/queries.yml),
/// an Alertmanager, and a Prometheus that loads the committed rule files and scrapes all of them, every second,
/// on loopback free ports (shared fixtures from tests/TheBot.Testing). Gives the metric names the stack really
/// exports and a live Prometheus to run dashboard queries against. The HA topology's parts too: a VictoriaMetrics
/// that Prometheus remote-writes to and scrapes (job victoriametrics), and an Alertmanager with clustering on, so the
/// remote_write queue and cluster metrics the HA alerts read are really exported by Prometheus 2.42 and
/// Alertmanager 0.25, and the dashboards' queries run on VictoriaMetrics (their $datasource alternative) as well.
/// </summary>
public sealed class LiveStack : IAsyncLifetime
{
    /// <summary>
    /// Application metric names exported by src/TheBot.Monitoring (no application runs in this fixture).
    /// Histograms are listed by base name; _bucket, _count and _sum are added.
    /// </summary>
    public static readonly string[] ApplicationMetrics =
    [
        "thebot_http_requests_total", "thebot_http_request_duration_seconds", "thebot_http_request_exceptions_total",
        "thebot_http_requests_in_flight", "thebot_db_queries_total", "thebot_db_query_duration_seconds",
        "thebot_db_query_errors_total", "thebot_cache_hits_total", "thebot_cache_misses_total", "thebot_messages_sent_total",
        "thebot_assignments_submitted_total", "thebot_payments_processed_total", "thebot_websocket_connections",
        "thebot_background_tasks_total", "thebot_background_task_duration_seconds", "thebot_background_queue_depth",
        "thebot_build_info", "thebot_db_connection_errors_total", "thebot_cache_errors_total",
        // Issue 10 contract with the library (helper LIB): 1/0 per health component, refreshed by a background probe.
        "thebot_health_component_up",
    ];

    /// <summary>Series Prometheus itself synthesizes.</summary>
    public static readonly string[] PrometheusSynthetic = ["up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"];

    /// <summary>node_exporter.</summary>
    public NodeExporterServer Node { get; } = new();

    /// <summary>Redis and redis_exporter.</summary>
    public RedisExporterServer Redis { get; } = new();

    /// <summary>PostgreSQL and postgres_exporter with the committed queries.yml.</summary>
    public PostgresExporterServer Postgres { get; } = new(File.ReadAllText(Repo.Monitoring("postgres-exporter", "queries.yml")));

    /// <summary>Alertmanager (routes to nothing).</summary>
    public AlertmanagerServer Alertmanager { get; } = new();

    /// <summary>VictoriaMetrics single-node, receiving Prometheus' remote_write.</summary>
    public LocalProcess VictoriaMetrics { get; private set; } = null!;

    /// <summary>An Alertmanager with clustering on (the single-node one above runs without it).</summary>
    public LocalProcess ClusteredAlertmanager { get; private set; } = null!;

    /// <summary>Prometheus with the committed rules, scraping everything above.</summary>
    public PrometheusServer Prometheus { get; private set; } = null!;

    /// <summary>Every metric name Prometheus holds after the exporters were scraped.</summary>
    public IReadOnlySet<string> ScrapedNames { get; private set; } = new HashSet<string>();

    /// <summary>Scraped names + application metrics + recording rule names + synthetic series.</summary>
    public IReadOnlySet<string> KnownNames { get; private set; } = new HashSet<string>();

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        foreach (var tool in new[] { "prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "prometheus-redis-exporter", "prometheus-postgres-exporter", "redis-server", "redis-cli", "psql", "victoria-metrics" })
        {
            Tools.Require(tool);
        }

        await Task.WhenAll(Node.InitializeAsync(), Redis.InitializeAsync(), Postgres.InitializeAsync(), Alertmanager.InitializeAsync());
        VictoriaMetrics = await LocalProcess.VictoriaMetricsAsync();
        ClusteredAlertmanager = await LocalProcess.ClusteredAlertmanagerAsync();

        // Some activity so that per-command / per-db / per-statement series exist.
        await Tools.RunOkAsync("redis-cli", ["-p", Redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "SET", "thebot:test", "1"]);
        await Postgres.QueryAsync("SELECT count(*) FROM pg_class");

        var config = $$"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [recording_rules.yml, alert_rules.yml]
            alerting:
              alertmanagers:
                - static_configs: [{targets: ['{{HostPort(Alertmanager.Url)}}']}]
            scrape_configs:
              - job_name: prometheus
                static_configs: [{targets: ['127.0.0.1:{{"{{port}}"}}']}]
              - job_name: node
                static_configs: [{targets: ['{{HostPort(Node.Exporter.MetricsUrl)}}']}]
              - job_name: redis
                static_configs: [{targets: ['{{HostPort(Redis.Exporter.MetricsUrl)}}']}]
              - job_name: postgres
                static_configs: [{targets: ['{{HostPort(Postgres.Exporter.MetricsUrl)}}']}]
              - job_name: alertmanager
                static_configs: [{targets: ['{{HostPort(Alertmanager.Url)}}']}]
              - job_name: alertmanager-clustered
                static_configs: [{targets: ['{{HostPort(ClusteredAlertmanager.Url)}}']}]
              - job_name: victoriametrics
                static_configs: [{targets: ['{{HostPort(VictoriaMetrics.Url)}}']}]
            remote_write:
              - url: {{VictoriaMetrics.Url}}/api/v1/write
            """;
        Prometheus = new PrometheusServer(config, new Dictionary<string, string>
        {
            ["recording_rules.yml"] = await File.ReadAllTextAsync(Repo.Monitoring("prometheus", "recording_rules.yml")),
            ["alert_rules.yml"] = await File.ReadAllTextAsync(Repo.Monitoring("prometheus", "alert_rules.yml")),
        });
        await Prometheus.InitializeAsync();
        foreach (var job in new[] { "prometheus", "node", "redis", "postgres", "alertmanager", "alertmanager-clustered", "victoriametrics" })
        {
            await Prometheus.WaitForTargetUpAsync(job);
        }

        // The remote_write queue's per-queue series exist once it has sent a batch (VictoriaMetrics has data from then on).
        await TestHttp.WaitUntilAsync(
            async () => (await Prometheus.QueryAsync("prometheus_remote_storage_queue_highest_sent_timestamp_seconds > 0")).GetArrayLength() > 0,
            TimeSpan.FromSeconds(30),
            () => "Prometheus has sent nothing to VictoriaMetrics through remote_write");

        // Two more scrape/evaluation cycles so every exporter series and every rule has been seen.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var names = await Prometheus.GetJsonAsync("/api/v1/label/__name__/values");
        ScrapedNames = names.GetProperty("data").EnumerateArray().Select(n => n.GetString()!).ToHashSet(StringComparer.Ordinal);

        var known = new HashSet<string>(ScrapedNames, StringComparer.Ordinal);
        known.UnionWith(PrometheusSynthetic);
        known.UnionWith(RuleFile.Recordings.Rules.Select(r => r.Record!));
        foreach (var metric in ApplicationMetrics)
        {
            known.Add(metric);
            if (metric.EndsWith("_seconds", StringComparison.Ordinal))
            {
                known.UnionWith([metric + "_bucket", metric + "_count", metric + "_sum"]);
            }
        }

        KnownNames = known;
    }

    /// <summary>Runs an instant query on Prometheus, or on <paramref name="server"/> (VictoriaMetrics); returns (status, error text).</summary>
    public async Task<(bool Ok, string Error)> TryQueryAsync(string promql, string? server = null)
    {
        using var response = await TestHttp.Client.PostAsync(
            (server ?? Prometheus.Url) + "/api/v1/query",
            new FormUrlEncodedContent([new KeyValuePair<string, string>("query", promql)]));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("status").GetString() == "success"
            ? (true, "")
            : (false, body.TryGetProperty("error", out var e) ? e.GetString() ?? "" : body.ToString());
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        await Task.WhenAll(Node.DisposeAsync(), Redis.DisposeAsync(), Postgres.DisposeAsync(), Alertmanager.DisposeAsync());
        foreach (var process in new[] { VictoriaMetrics, ClusteredAlertmanager })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static string HostPort(string url) => new Uri(url).Authority;
}

/// <summary>Tests sharing one <see cref="LiveStack"/>.</summary>
[CollectionDefinition(Name)]
public sealed class LiveStackCollection : ICollectionFixture<LiveStack>
{
    /// <summary>Collection name.</summary>
    public const string Name = "live stack";
}
