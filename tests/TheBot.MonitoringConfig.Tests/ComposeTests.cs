using TheBot.MonitoringConfig.Tests.Support;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>monitoring/docker-compose.monitoring.yml validates, mounts only files that exist, publishes only Grafana.</summary>
public class ComposeTests
{
    private static readonly Dictionary<string, string> ContainerNames = new()
    {
        ["prometheus"] = "thebot-prometheus", ["grafana"] = "thebot-grafana", ["alertmanager"] = "thebot-alertmanager",
        ["loki"] = "thebot-loki", ["node-exporter"] = "thebot-node-exporter", ["postgres-exporter"] = "thebot-postgres-exporter",
        ["redis-exporter"] = "thebot-redis-exporter", ["alloy"] = "thebot-alloy",
    };

    private static string ComposeFile => Repo.Monitoring("docker-compose.monitoring.yml");

    private static Dictionary<object, object> Services => YamlMap.Load(ComposeFile).At("services").AsMap();

    [Fact]
    public async Task Docker_compose_config_validates_and_every_mounted_repository_file_exists()
    {
        Tools.Require("docker-compose");
        await CheckAssert.PassesAsync(new ComposeCheck());
        var mounts = ComposeCheck.Mounts(ComposeFile).ToList();
        Assert.True(mounts.Count >= 10, $"only {mounts.Count} repository mounts found");
    }

    [Theory]
    [InlineData("GRAFANA_ADMIN_PASSWORD")]
    [InlineData("THEBOT_SCRAPE_TOKEN")]
    [InlineData("MONITORING_WEB_PASSWORD")]
    [InlineData("MONITORING_WEB_PASSWORD_BCRYPT")]
    [InlineData("SLACK_WEBHOOK_URL")]
    [InlineData("SMTP_HOST")]
    [InlineData("SMTP_USER")]
    [InlineData("SMTP_PASSWORD")]
    [InlineData("PAGERDUTY_SERVICE_KEY")]
    [InlineData("ALERT_WEBHOOK_URL")]
    [InlineData("DEADMANS_SWITCH_URL")]
    public async Task A_missing_secret_stops_compose_before_anything_starts_and_names_it(string secret)
    {
        // Everything else set: the failure is this secret's alone (an empty value counts as missing).
        var env = new Dictionary<string, string>(ComposeCheck.DummyEnvironment) { [secret] = "" };
        var result = await Tools.RunAsync("docker-compose", ["-f", ComposeFile, "config", "-q"], env, Repo.Root);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"set {secret}", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_service_has_its_container_name_restart_policy_and_healthcheck()
    {
        var services = Services;
        Assert.Equal(ContainerNames.Keys.Order(), services.Keys.Cast<string>().Order());
        foreach (var (service, container) in ContainerNames)
        {
            var s = services[service].AsMap();
            Assert.Equal(container, s["container_name"]);
            Assert.Equal("unless-stopped", s["restart"]);
            Assert.NotEmpty(s.At("healthcheck", "test").AsList());
        }
    }

    [Fact]
    public void Only_grafana_is_published_beyond_the_host()
    {
        foreach (var (name, service) in Services)
        {
            foreach (var port in service.At("ports").AsList().Cast<string>())
            {
                if ((string)name == "grafana")
                {
                    Assert.Equal("3000:3000", port);
                }
                else
                {
                    Assert.StartsWith("127.0.0.1:", port, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public void Prometheus_and_Alertmanager_require_basic_auth_and_every_client_sends_it()
    {
        string Command(string service) => string.Join(' ', Services[service].At("command").AsList().Cast<string>());
        var prometheus = Command("prometheus");
        var alertmanager = Command("alertmanager");
        // The web configs are written from the bcrypt hash at start; the admin API (delete series) is off.
        Assert.Contains("--web.config.file=/etc/prometheus/secrets/web.yml", prometheus, StringComparison.Ordinal);
        Assert.Contains("> /etc/prometheus/secrets/web.yml", prometheus, StringComparison.Ordinal);
        Assert.Contains("> /etc/prometheus/secrets/monitoring-password", prometheus, StringComparison.Ordinal);
        Assert.DoesNotContain("--web.enable-admin-api", prometheus, StringComparison.Ordinal);
        Assert.Contains("--web.config.file=/run/alertmanager/web.yml", alertmanager, StringComparison.Ordinal);
        Assert.Contains("> /run/alertmanager/web.yml", alertmanager, StringComparison.Ordinal);
        foreach (var service in new[] { "prometheus", "alertmanager" })
        {
            Assert.Contains("thebot:$$MONITORING_WEB_PASSWORD@localhost", string.Join(' ', Services[service].At("healthcheck", "test").AsList().Cast<string>()), StringComparison.Ordinal);
        }

        foreach (var service in new[] { "prometheus", "alertmanager", "grafana", "loki" })
        {
            Assert.StartsWith("${MONITORING_WEB_PASSWORD:?", (string?)Services[service].At("environment", "MONITORING_WEB_PASSWORD"), StringComparison.Ordinal);
        }

        // Prometheus sends the password file the container writes: to Alertmanager, and on the scrapes of both.
        var config = YamlMap.Load(Repo.Monitoring("prometheus", "prometheus.yml"));
        var clients = config.At("alerting", "alertmanagers").AsList().Select(a => a.AsMap())
            .Concat(config.At("scrape_configs").AsList().Select(j => j.AsMap()).Where(j => (string)j["job_name"] is "prometheus" or "alertmanager")).ToList();
        Assert.Equal(3, clients.Count);
        Assert.All(clients, c =>
        {
            Assert.Equal("thebot", c.At("basic_auth", "username"));
            Assert.Equal("/etc/prometheus/secrets/monitoring-password", c.At("basic_auth", "password_file"));
        });

        // Grafana's Prometheus and Alertmanager data sources and Loki's ruler too.
        var datasources = YamlMap.Load(Repo.Monitoring("grafana", "provisioning", "datasources", "datasources.yml")).At("datasources").AsList().Select(d => d.AsMap())
            .Where(d => (string)d["uid"] is "prometheus" or "alertmanager").ToList();
        Assert.Equal(2, datasources.Count);
        Assert.All(datasources, d => Assert.Equal("$MONITORING_WEB_PASSWORD", d.At("secureJsonData", "basicAuthPassword")));
        Assert.Equal("${MONITORING_WEB_PASSWORD}", YamlMap.Load(Repo.Monitoring("loki", "loki-config.yml")).At("ruler", "alertmanager_client", "basic_auth_password"));
        Assert.Contains("-config.expand-env=true", Services["loki"].At("command").AsList().Cast<string>());
    }

    [Fact]
    public void Prometheus_retention_flags_and_grafana_password_come_from_the_compose_file()
    {
        var prometheus = string.Join(' ', Services["prometheus"].At("command").AsList().Cast<string>());
        Assert.Contains("--storage.tsdb.retention.time=15d", prometheus, StringComparison.Ordinal);
        Assert.Contains("--storage.tsdb.retention.size=50GB", prometheus, StringComparison.Ordinal);
        // The exemplars the services write are dropped at ingestion without it (docs/operations.md).
        Assert.Contains("--enable-feature=exemplar-storage", prometheus, StringComparison.Ordinal);
        Assert.Equal("${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD}", Services["grafana"].At("environment", "GF_SECURITY_ADMIN_PASSWORD"));
    }
}
