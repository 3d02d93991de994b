using System.Text.Json;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary><c>thebot check</c> on the committed monitoring/: every line ✓, exit 0; the same as JSON.</summary>
[Collection(PromtoolHeavyChecks.Name)]
public class CheckCommittedTests
{
    private static readonly string[] ExpectedFiles =
    [
        "monitoring/prometheus/prometheus.yml", "monitoring/prometheus/alert_rules.yml", "monitoring/prometheus/recording_rules.yml",
        "monitoring/prometheus/tests/alerts_slo_test.yml", "monitoring/alertmanager/alertmanager.yml",
        "monitoring/grafana/provisioning/datasources/datasources.yml", "monitoring/grafana/dashboards/thebot-overview.json",
        "monitoring/grafana/dashboards/thebot-logs.json", "monitoring/loki/loki-config.yml", "monitoring/alloy/config.alloy",
        "monitoring/docker-compose.monitoring.yml", "monitoring/postgres-exporter/queries.yml",
    ];

    [Fact]
    public async Task Committed_monitoring_folder_is_all_green()
    {
        var (exit, output) = await CheckSupport.InvokeAsync();
        Assert.True(exit == 0, output);
        var lines = output.TrimEnd().Split('\n');
        var results = lines[..^1];
        Assert.All(results, l => Assert.StartsWith("✓ ", l, StringComparison.Ordinal));
        Assert.Matches(@"^\d+ passed, 0 failed \(", lines[^1]);
        foreach (var file in ExpectedFiles)
        {
            Assert.Contains(results, l => l.StartsWith($"✓ {file} — ", StringComparison.Ordinal));
        }

        // One line per dashboard and per promtool unit-test file.
        Assert.Equal(Directory.GetFiles(Path.Combine(CheckSupport.Root, "monitoring", "grafana", "dashboards"), "*.json").Length, results.Count(l => l.Contains(".json — ", StringComparison.Ordinal)));
        Assert.Equal(Directory.GetFiles(Path.Combine(CheckSupport.Root, "monitoring", "prometheus", "tests"), "*.yml").Length, results.Count(l => l.Contains("— promtool test rules", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Json_output_reports_every_result_ok()
    {
        var (exit, output) = await CheckSupport.InvokeAsync("--json");
        Assert.True(exit == 0, output);
        using var doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(0, doc.RootElement.GetProperty("failed").GetInt32());
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(doc.RootElement.GetProperty("passed").GetInt32(), results.Count);
        Assert.All(results, r => Assert.True(r.GetProperty("ok").GetBoolean() && r.GetProperty("file").GetString()!.StartsWith("monitoring/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_missing_folder_is_an_error_that_names_it()
    {
        var (exit, output) = await CheckSupport.InvokeAsync("--dir", "/nonexistent/thebot-monitoring");
        Assert.NotEqual(0, exit);
        Assert.Contains("✗ /nonexistent/thebot-monitoring: no such folder", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_folder_with_json_is_checks_document_with_one_failed_result()
    {
        var (exit, output) = await CheckSupport.InvokeAsync("--dir", "/nonexistent/thebot-monitoring", "--json");

        Assert.Equal(1, exit);
        using var doc = JsonDocument.Parse(output); // the whole output: nothing but the document
        Assert.False(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(0, doc.RootElement.GetProperty("passed").GetInt32());
        Assert.Equal(1, doc.RootElement.GetProperty("failed").GetInt32());
        var result = Assert.Single(doc.RootElement.GetProperty("results").EnumerateArray());
        Assert.Equal("/nonexistent/thebot-monitoring", result.GetProperty("file").GetString());
        Assert.Equal("no such folder", result.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Runbooks_folder_without_the_pages_fails_the_alert_file()
    {
        using var copy = new MonitoringCopy();
        var empty = Directory.CreateDirectory(Path.Combine(copy.Dir, "..", "no-runbooks")).FullName;
        var (exit, output) = await CheckSupport.InvokeAsync("--dir", copy.Dir, "--runbooks", empty);
        Assert.NotEqual(0, exit);
        var block = CheckSupport.FailureBlock(output, "monitoring/prometheus/alert_rules.yml", "runbook");
        Assert.True(block is not null, output);
        Assert.Contains("BackendHighErrorRate: runbook", block, StringComparison.Ordinal);
        Assert.Contains("no-runbooks/BackendHighErrorRate.md does not exist", block, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_runs_the_checks_named_and_counts_only_their_lines()
    {
        var (exit, output) = await CheckSupport.InvokeAsync("--only", "dashboards", "alert-metadata");
        Assert.True(exit == 0, output);
        var lines = output.TrimEnd().Split('\n');
        var results = lines[..^1];
        var dashboards = Directory.GetFiles(Path.Combine(CheckSupport.Root, "monitoring", "grafana", "dashboards"), "*.json").Length;
        Assert.Equal(dashboards, results.Count(l => l.EndsWith(" — " + TheBot.Cli.Checks.DashboardsCheck.Name, StringComparison.Ordinal)));
        Assert.Contains("✓ monitoring/prometheus/alert_rules.yml — " + TheBot.Cli.Checks.AlertMetadataCheck.Name, results);
        Assert.DoesNotContain(results, l => l.Contains("promtool", StringComparison.Ordinal) || l.Contains("amtool", StringComparison.Ordinal));
        Assert.Matches($@"^{results.Length} passed, 0 failed \(", lines[^1]);
    }

    [Fact]
    public async Task Only_with_an_unknown_check_names_it_and_the_checks_there_are()
    {
        var (exit, output) = await CheckSupport.InvokeAsync("--only", "dashbords");
        Assert.NotEqual(0, exit);
        Assert.Contains("dashbords", output, StringComparison.Ordinal);
        Assert.All(TheBot.Cli.Checks.MonitoringChecks.Keys, key => Assert.Contains(key, output, StringComparison.Ordinal));
    }
}
