using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>up</c> on a copy of monitoring/ whose Prometheus config it cannot use: a config failure (exit 1) printed as
/// <c>✗ file: place: problem</c>, as every other refused config is, never an exception out of the verb — whether the
/// file is read while the stack is described (in HA, for VictoriaMetrics' dedup interval) or while it is rendered.
/// And the HA stack deduplicates at the interval of the file its replicas load, prometheus-ha.yml. Nothing starts:
/// each refusal comes before the first process, and before the services are built.
/// </summary>
public sealed class UpConfigRefusalTests : IAsyncLifetime
{
    private readonly MonitoringCopy _copy = new();
    private StackLocation _location = null!;

    public async Task InitializeAsync() => _location = (await TemporaryStack.CreateAsync()) with { RepositoryRoot = Path.GetDirectoryName(_copy.Dir)! };

    public async Task DisposeAsync()
    {
        await TemporaryStack.RemoveAsync(_location);
        _copy.Dispose();
    }

    [Theory]
    [InlineData("single", "prometheus.yml")]
    [InlineData("ha", "prometheus-ha.yml")]
    public async Task A_scrape_interval_that_is_not_a_duration_is_refused_naming_the_file_and_the_key(string topology, string file)
    {
        _copy.ReplaceFirst($"prometheus/{file}", "  scrape_interval: 15s", "  scrape_interval: 15 s");

        var text = await RefusedUpAsync(topology);

        Assert.Contains($"✗ {Path.Combine(_copy.Dir, "prometheus", file)}: global.scrape_interval: '15 s' is not a Prometheus duration (", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  scrape_interval: 15s", "  scrape_interval: 15 s", "global.scrape_interval: '15 s' is not a Prometheus duration (")]
    [InlineData("  scrape_timeout: 10s", "  scrape_timeout: 20s", "global.scrape_timeout (20s) is longer than global.scrape_interval (15s): Prometheus refuses to load the file")]
    [InlineData("job_name: thebot-backend", "job_name: thebot-bakend", "job 'thebot-bakend' is not one of the jobs of contract §3 (")]
    public async Task A_broken_single_node_prometheus_yml_is_refused_before_anything_is_built(string from, string to, string reason)
    {
        // Once the single-node file was read only by the render, after the services were built (a minute or more).
        _copy.ReplaceFirst("prometheus/prometheus.yml", from, to);

        var text = await RefusedUpAsync("single", noBuild: false);

        Assert.Contains($"✗ {Path.Combine(_copy.Dir, "prometheus", "prometheus.yml")}: {reason}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("build", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(_copy.Dir)!, "artifacts", "services")), "the services were built");
    }

    [Fact]
    public async Task A_missing_prometheus_yml_is_refused_as_a_file_not_found()
    {
        File.Delete(Path.Combine(_copy.Dir, "prometheus", "prometheus.yml"));

        var text = await RefusedUpAsync("single");

        Assert.Contains($"✗ {Path.Combine(_copy.Dir, "prometheus", "prometheus.yml")}: file not found", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prometheus_yml_that_is_not_yaml_is_refused_with_line_and_column()
    {
        _copy.ReplaceFirst("prometheus/prometheus.yml", "global:", "global: [unclosed");

        var text = await RefusedUpAsync("single");

        Assert.Matches(@"✗ .*/prometheus/prometheus\.yml: line \d+, column \d+: ", text);
    }

    [Fact]
    public void The_HA_stack_deduplicates_at_the_scrape_interval_of_prometheus_ha_yml()
    {
        // The two files agree as committed; apart, VictoriaMetrics must follow the one the HA replicas scrape by.
        _copy.ReplaceFirst("prometheus/prometheus-ha.yml", "  scrape_interval: 15s", "  scrape_interval: 30s");

        var stack = new LocalStack(_location, topology: StackTopology.Ha(2));

        Assert.Equal(TimeSpan.FromSeconds(30), stack.ScrapeInterval);
        Assert.Contains("-dedup.minScrapeInterval=30000ms", stack.Specs().Single(s => s.Name == ServiceNames.VictoriaMetrics).Arguments);
    }

    /// <summary>
    /// Runs <c>up --detach</c> in <paramref name="topology"/> (with <c>--no-build</c> unless <paramref name="noBuild"/>
    /// is false), asserts it failed with nothing started, and returns what it printed.
    /// </summary>
    private async Task<string> RefusedUpAsync(string topology, bool noBuild = true)
    {
        Assert.Null(UpCommand.ParseTopology(topology, backends: null, out var chosen));
        var printed = new StringWriter();

        var exit = await UpCommand.RunAsync(_location, detach: true, noBuild, printed, CancellationToken.None, topology: chosen);

        var text = printed.ToString();
        Assert.True(exit == 1, text);
        Assert.Empty(ProcessSupervisor.ReadPidFiles(_location.Paths));
        return text;
    }
}
