using System.Text.RegularExpressions;
using TheBot.MonitoringConfig.Tests.Support;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>Loki config, Alloy config and the LogQL of the logs dashboard, checked against the documented formats.</summary>
public partial class LogPipelineTests
{
    [Theory]
    [InlineData("{job=\"a\"} |= \"x\" | json | level=\"Error\"", true)]
    [InlineData("sum by (level) (count_over_time({job=~\".+\"} [5m]))", true)]
    [InlineData("count_over_time({job=\"a\"})", false)]
    [InlineData("{job=~\".*\"}", false)]
    [InlineData("{job=\"a\" | json", false)]
    [InlineData("{job=\"a\"} | nosuchstage \"x\"", false)]
    [InlineData("{job=\"a} | json", false)]
    [InlineData("rate({job=\"a\"} | json | __error__=\"\" [1m])", true)]
    public void LogQl_checker_accepts_valid_and_rejects_invalid_queries(string query, bool valid) =>
        Assert.Equal(valid, LogQl.Check(query).Count == 0);

    [Fact]
    public void Loki_config_has_retention_and_only_documented_blocks()
    {
        var loki = YamlMap.Load(Repo.Monitoring("loki", "loki-config.yml"));
        var problems = LokiAlloyCheck.LokiProblems(Repo.Monitoring("loki", "loki-config.yml"));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Equal(3100, Convert.ToInt32(loki.At("server", "http_listen_port"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("true", loki.At("compactor", "retention_enabled")?.ToString());
        Assert.NotNull(loki.At("compactor", "delete_request_store")); // required with retention_enabled since Loki 3
        Assert.Matches(DurationPattern(), loki.At("limits_config", "retention_period")?.ToString() ?? "");
        var schema = loki.At("schema_config", "configs", 0).AsMap();
        Assert.Equal("tsdb", schema["store"]);
        Assert.Equal("v13", schema["schema"]);
        Assert.Equal("filesystem", schema["object_store"]);
        Assert.NotNull(loki.At("storage_config", "tsdb_shipper", "active_index_directory"));
    }

    [Fact]
    public void Alloy_config_is_balanced_uses_known_components_and_wires_file_to_loki()
    {
        var text = File.ReadAllText(Repo.Monitoring("alloy", "config.alloy"));
        var problems = LokiAlloyCheck.AlloyProblems(text);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        var blocks = AlloyConfig.Parse(text);
        var components = blocks.Where(b => b.Depth == 0).ToList();
        var stages = blocks.Where(b => b.Depth == 1 && b.Name.StartsWith("stage.", StringComparison.Ordinal)).ToList();
        Assert.Contains(stages, s => s.Name == "stage.json");
        Assert.Contains(stages, s => s.Name == "stage.labels");

        var declared = components.Select(c => $"{c.Name}.{c.Label}").ToHashSet();
        Assert.Contains("local.file_match.thebot", declared);
        Assert.Contains("\"/var/log/thebot/thebot-backend.log\"", text, StringComparison.Ordinal);
        Assert.Contains("http://loki:3100/loki/api/v1/push", text, StringComparison.Ordinal);
        Assert.Contains("level     = \"level\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a \"b\" { c = \"}\" ", "unclosed")]
    [InlineData("a \"b\" { c = [1, 2) }", "closed by")]
    [InlineData("a \"b\" { c = \"x }", "unterminated")]
    public void Alloy_reader_rejects_broken_syntax(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => AlloyConfig.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void Log_shipper_decision_is_recorded()
    {
        var adr = File.ReadAllText(Repo.File("docs", "adr", "0002-log-shipper.md"));
        Assert.Contains("Alloy", adr, StringComparison.Ordinal);
        Assert.Contains("Promtail", adr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\d+[smhdwy]$")]
    private static partial Regex DurationPattern();

}
