using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>check</c> passes no file <c>up</c> would refuse: on a copy of monitoring/, the prometheus-config check reports
/// what breaks the contract up renders by (a job that is not contract §3's, an empty file, a global duration
/// Prometheus cannot parse, a lost HA part) with the file and the place, though promtool accepts some of it; the
/// dashboards check reports panels that are not the shape Grafana reads. Each runs only the check concerned.
/// </summary>
public sealed class CheckUpContractTests : IDisposable
{
    private readonly MonitoringCopy _copy = new();

    public void Dispose() => _copy.Dispose();

    [Theory]
    [InlineData("prometheus.yml", "job_name: thebot-backend", "job_name: thebot-bakend", "job 'thebot-bakend' is not one of the jobs of contract §3 (thebot-backend, ")]
    [InlineData("prometheus-ha.yml", "job_name: thebot-backend", "job_name: thebot-bakend", "job 'thebot-bakend' is not one of the jobs of contract §3 (thebot-backend, ")]
    [InlineData("prometheus.yml", "  scrape_interval: 15s", "  scrape_interval: 15 s", "global.scrape_interval: '15 s' is not a Prometheus duration")]
    [InlineData("prometheus-ha.yml", "    replica: ${PROMETHEUS_REPLICA}\n", "", "global.external_labels has no 'replica'")]
    [InlineData("prometheus.yml", "  scrape_timeout: 10s", "  scrape_timeout: 20s", "global.scrape_timeout (20s) is longer than global.scrape_interval (15s): Prometheus refuses to load the file")]
    [InlineData("prometheus.yml", "job_name: thebot-backend\n", "job_name: thebot-backend\n    scrape_interval: 5s\n    scrape_timeout: 8s\n", "job 'thebot-backend': scrape_timeout (8s) is longer than its scrape_interval (5s)")]
    [InlineData("prometheus.yml", "job_name: thebot-backend\n", "job_name: thebot-backend\n    scrape_timeout: 5 s\n", "job 'thebot-backend': scrape_timeout: '5 s' is not a Prometheus duration")]
    public async Task A_prometheus_config_up_refuses_fails_the_check_with_the_renderers_reason(string file, string from, string to, string reason)
    {
        _copy.ReplaceFirst($"prometheus/{file}", from, to);

        var (exit, output) = await CheckSupport.InvokeAsync("--dir", _copy.Dir, "--only", "prometheus-config");

        Assert.Equal(1, exit);
        Assert.Contains(reason, CheckSupport.FailureBlock(output, $"prometheus/{file}") ?? output, StringComparison.Ordinal);
        Assert.Contains(reason, UpsReason(file), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_prometheus_yml_fails_the_check()
    {
        _copy.Write("prometheus/prometheus.yml", "");

        var (exit, output) = await CheckSupport.InvokeAsync("--dir", _copy.Dir, "--only", "prometheus-config");

        Assert.Equal(1, exit);
        Assert.Contains("the file is empty or its top level is not a mapping", CheckSupport.FailureBlock(output, "prometheus/prometheus.yml") ?? output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_committed_prometheus_configs_keep_the_contract()
    {
        var (exit, output) = await CheckSupport.InvokeAsync("--dir", _copy.Dir, "--only", "prometheus-config");

        Assert.True(exit == 0, output);
    }

    [Theory]
    [InlineData("\"panels\": \"oops\", \"unused\": [", "$.panels: must be an array of panels, is \"oops\"")]
    [InlineData("\"panels\": [ 42, ", "$.panels[0]: must be a panel object, is 42")]
    public async Task Dashboard_panels_of_the_wrong_shape_fail_the_check_naming_the_file_and_the_key(string replacement, string reason)
    {
        _copy.ReplaceFirst("grafana/dashboards/thebot-redis.json", "\"panels\": [", replacement);

        var (exit, output) = await CheckSupport.InvokeAsync("--dir", _copy.Dir, "--only", "dashboards");

        Assert.Equal(1, exit);
        Assert.Contains(reason, CheckSupport.FailureBlock(output, "grafana/dashboards/thebot-redis.json") ?? output, StringComparison.Ordinal);
    }

    /// <summary>What up's render of the copy says of <paramref name="file"/>: the two must agree.</summary>
    private string UpsReason(string file)
    {
        var paths = StackPaths.CreateTemporary("thebot-contract-");
        try
        {
            var renderer = new ConfigRenderer(Path.GetDirectoryName(_copy.Dir)!, paths);
            var topology = file == PrometheusConfigContract.HighAvailabilityFile ? StackTopology.Ha(2) : StackTopology.Single;
            var refused = Assert.Throws<Config.ConfigException>(() => renderer.RenderPrometheus(PortPlan.Default, topology: topology, replica: topology.PrometheusReplicas[0].Replica));
            Assert.EndsWith(file, refused.File, StringComparison.Ordinal);
            return refused.Reason;
        }
        finally
        {
            Directory.Delete(paths.Root, recursive: true);
        }
    }
}
