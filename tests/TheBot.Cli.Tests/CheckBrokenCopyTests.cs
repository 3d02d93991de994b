using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>thebot check --dir COPY</c> on a copy of monitoring/ with one breakage: exit non-zero, and a ✗ line that names
/// the broken file and says what is wrong.
/// </summary>
public class CheckBrokenCopyTests
{
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
        ["an alert has no runbook_url"] = (
            c => c.ReplaceFirst("prometheus/alert_rules.yml", "runbook_url: \"https://github.com/thebot-platform/thebot-monitoring/blob/main/docs/runbooks/BackendHighErrorRate.md\"", ""),
            "prometheus/alert_rules.yml", "BackendHighErrorRate: annotation runbook_url missing"),
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
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task Broken_copy_fails_naming_the_file_and_the_problem(string breakage)
    {
        var (breakIt, file, reason) = Cases[breakage];
        using var copy = new MonitoringCopy();
        breakIt(copy);

        var (exit, output) = await CheckSupport.InvokeAsync("--dir", copy.Dir);

        Assert.True(exit != 0, $"exit 0 for '{breakage}':\n{output}");
        var block = CheckSupport.FailureBlock(output, "monitoring/" + file, reason);
        Assert.True(block is not null, $"no ✗ line for monitoring/{file} saying '{reason}':\n{output}");
        Assert.Contains(copy.Dir, block, StringComparison.Ordinal); // the copy is named, not the committed folder
        Assert.Matches(@"\n\d+ passed, [1-9]\d* failed \(", output);
    }
}
