using System.Text.Json;
using TheBot.MonitoringConfig.Tests.Support;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>
/// The HA topology for Docker hosts: monitoring/docker-compose.ha.yml merged over the base compose file, and the
/// replicas' monitoring/prometheus/prometheus-ha.yml. Read the way docker-compose and Prometheus read them (the merged
/// <c>docker-compose config</c>, promtool, a real Prometheus 2.42 loading the file).
/// </summary>
public class HaTopologyTests
{
    private static readonly string[] Replicas = ["prometheus", "prometheus-b"];
    private static readonly string[] Members = ["alertmanager", "alertmanager-2", "alertmanager-3"];

    private static Dictionary<object, object> HaConfig => YamlMap.Load(Repo.Monitoring("prometheus", "prometheus-ha.yml"));

    private static Dictionary<string, Dictionary<object, object>> Jobs(Dictionary<object, object> config) =>
        config.At("scrape_configs").AsList().Select(j => j.AsMap()).ToDictionary(j => (string)j["job_name"]);

    private static List<string> Targets(Dictionary<object, object> job) => [.. job.At("static_configs", 0, "targets").AsList().Cast<string>()];

    [Fact]
    public async Task Checks_validate_the_overlay_merged_and_the_ha_prometheus_configuration()
    {
        Tools.Require("docker-compose");
        Tools.Require("promtool");
        var compose = await CheckAssert.PassesAsync(new ComposeCheck());
        Assert.Contains(compose, r => r.File.EndsWith("docker-compose.ha.yml", StringComparison.Ordinal));
        var prometheus = await CheckAssert.PassesAsync(new PrometheusConfigCheck());
        Assert.Contains(prometheus, r => r.File.EndsWith("prometheus-ha.yml", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Merged_compose_runs_two_replicas_three_clustered_alertmanagers_and_victoriametrics_behind_basic_auth()
    {
        var services = (await MergedComposeAsync()).At("services").AsMap().ToDictionary(kv => (string)kv.Key, kv => kv.Value.AsMap());
        string Command(string service) => string.Join(' ', services[service].At("command").AsList().Cast<string>());

        var replicaLabels = new List<string>();
        foreach (var replica in Replicas)
        {
            var command = Command(replica);
            Assert.Contains("--config.file=/etc/prometheus/prometheus-ha.yml", command, StringComparison.Ordinal);
            Assert.Contains("expand-external-labels", command, StringComparison.Ordinal);
            Assert.Contains("--web.config.file=/etc/prometheus/secrets/web.yml", command, StringComparison.Ordinal);
            Assert.DoesNotContain("--web.enable-admin-api", command, StringComparison.Ordinal);
            replicaLabels.Add((string)services[replica].At("environment", "PROMETHEUS_REPLICA")!);
        }

        Assert.Equal(["a", "b"], replicaLabels);

        foreach (var member in Members)
        {
            var command = Command(member);
            Assert.Contains("--cluster.listen-address=0.0.0.0:9094", command, StringComparison.Ordinal);
            Assert.Contains("--web.config.file=/run/alertmanager/web.yml", command, StringComparison.Ordinal);
            Assert.All(Members, peer => Assert.Contains($"--cluster.peer={peer}:9094", command, StringComparison.Ordinal));
        }

        var victoria = Command("victoriametrics");
        Assert.Contains($"-dedup.minScrapeInterval={HaConfig.At("global", "scrape_interval")}", victoria, StringComparison.Ordinal);
        Assert.Contains("-httpAuth.username=thebot", victoria, StringComparison.Ordinal);

        // Every member published on loopback only, each on its own host port, each with its own container and data.
        var ha = Replicas.Concat(Members).Append("victoriametrics").ToList();
        var ports = ha.SelectMany(s => services[s].At("ports").AsList()).Select(p => p is string text ? text : $"{p.At("host_ip")}:{p.At("published")}").ToList();
        Assert.All(ports, p => Assert.StartsWith("127.0.0.1:", p, StringComparison.Ordinal));
        Assert.Equal(ports.Count, ports.Select(p => p.Split(':')[1]).Distinct().Count());
        Assert.Equal(ha.Count, ha.Select(s => (string)services[s]["container_name"]).Distinct().Count());
        var dataVolumes = ha.Select(s => services[s].At("volumes").AsList().Select(v => v is string text ? text : $"{v.At("source")}:{v.At("target")}")
            .Single(v => !v.StartsWith('/'))).ToList();
        Assert.Equal(ha.Count, dataVolumes.Distinct().Count());
    }

    [Fact]
    public void Ha_prometheus_keeps_the_single_node_jobs_and_adds_the_cluster()
    {
        var single = YamlMap.Load(Repo.Monitoring("prometheus", "prometheus.yml"));
        var ha = HaConfig;
        Assert.Equal(single.At("global", "scrape_interval"), ha.At("global", "scrape_interval"));
        Assert.Equal(single.At("rule_files").AsList(), ha.At("rule_files").AsList());
        var labels = ha.At("global", "external_labels").AsMap();
        foreach (var (key, value) in single.At("global", "external_labels").AsMap())
        {
            Assert.Equal(value, labels[key]);
        }

        Assert.Equal("${PROMETHEUS_REPLICA}", labels["replica"]);

        var singleJobs = Jobs(single);
        var haJobs = Jobs(ha);
        Assert.Equal(singleJobs.Keys.Append("victoriametrics").Order(), haJobs.Keys.Order());
        // Same job settings; only where the targets come from differs (the backends' file_sd, the cluster's lists).
        foreach (var (name, job) in singleJobs)
        {
            var strip = new[] { "static_configs", "file_sd_configs" };
            string Settings(Dictionary<object, object> j) => YamlMap.Write(j.Where(kv => !strip.Contains(kv.Key)).ToDictionary(kv => (string)kv.Key, kv => kv.Value));
            Assert.Equal(Settings(job), Settings(haJobs[name]));
        }

        Assert.Equal("targets/thebot-backend.json", haJobs["thebot-backend"].At("file_sd_configs", 0, "files", 0));
        Assert.Equal(Replicas.Select(r => $"{r}:9090"), Targets(haJobs["prometheus"]));
        var members = Members.Select(m => $"{m}:9093").ToList();
        Assert.Equal(members, Targets(haJobs["alertmanager"]));
        Assert.Equal(members, ha.At("alerting", "alertmanagers", 0, "static_configs", 0, "targets").AsList().Cast<string>());
        Assert.Equal(["victoriametrics:8428"], Targets(haJobs["victoriametrics"]));

        // One alert and one stored series for both replicas: `replica` leaves neither alerts nor remote_write.
        Assert.Equal("labeldrop", ha.At("alerting", "alert_relabel_configs", 0, "action"));
        Assert.Equal("replica", ha.At("alerting", "alert_relabel_configs", 0, "regex"));
        Assert.Equal("http://victoriametrics:8428/api/v1/write", ha.At("remote_write", 0, "url"));
        Assert.Equal("labeldrop", ha.At("remote_write", 0, "write_relabel_configs", 0, "action"));
        Assert.Equal("replica", ha.At("remote_write", 0, "write_relabel_configs", 0, "regex"));

        var file = JsonDocument.Parse(File.ReadAllText(Repo.Monitoring("prometheus", "targets", "thebot-backend.json")));
        Assert.Equal("backend:8000", file.RootElement[0].GetProperty("targets")[0].GetString());
    }

    private static async Task<Dictionary<object, object>> MergedComposeAsync()
    {
        var result = await Tools.RunOkAsync(
            "docker-compose",
            ["-f", Repo.Monitoring(ComposeCheck.FileName), "-f", Repo.Monitoring("docker-compose.ha.yml"), "config"],
            ComposeCheck.DummyEnvironment,
            Repo.Root);
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, result.StandardOutput);
            return YamlMap.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
