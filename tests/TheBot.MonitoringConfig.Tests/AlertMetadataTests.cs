using System.Text.RegularExpressions;
using TheBot.MonitoringConfig.Tests.Support;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>Every alert carries what routing and on-call need, and has its runbook.</summary>
public partial class AlertMetadataTests
{
    /// <summary>contract §7: the seed alerts with their fixed severities.</summary>
    public static TheoryData<string, string> SpecAlerts => new()
    {
        { "BackendHighErrorRate", "critical" },
        { "BackendServiceDown", "critical" },
        { "PostgreSQLDown", "critical" },
        { "HighCPUUsage", "critical" },
        { "HighMemoryUsage", "critical" },
        { "CriticalMemoryUsage", "critical" },
        { "BackendHighLatency", "warning" },
        { "BackendSlowQueries", "warning" },
        { "LongRunningQueries", "warning" },
        { "HighDiskIO", "warning" },
    };

    /// <summary>Every alert in alert_rules.yml.</summary>
    public static TheoryData<string> AllAlerts()
    {
        var data = new TheoryData<string>();
        foreach (var rule in RuleFile.Alerts.Rules)
        {
            data.Add(rule.Alert!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SpecAlerts))]
    public void Spec_alert_exists_with_its_severity(string alert, string severity)
    {
        var rule = Assert.Single(RuleFile.Alerts.Rules, r => r.Alert == alert);
        Assert.Equal(severity, rule.Labels.GetValueOrDefault("severity"));
    }

    [Fact]
    public async Task Every_alert_has_severity_component_summary_description_and_runbook() =>
        await CheckAssert.PassesAsync(new AlertMetadataCheck());

    [Theory]
    [MemberData(nameof(AllAlerts))]
    public async Task Alert_has_a_runbook_with_meaning_impact_diagnosis_and_fix(string alert)
    {
        var path = Repo.File("docs", "runbooks", alert + ".md");
        Assert.True(File.Exists(path), $"runbook missing: docs/runbooks/{alert}.md");
        var text = await File.ReadAllTextAsync(path);
        Assert.StartsWith("# " + alert, text, StringComparison.Ordinal);
        foreach (var section in new[] { "## Meaning", "## Impact", "## Diagnosis", "## Fix" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }

        Assert.Contains("```promql", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The runbook's header and its "Alert expression" block say what the rule does: an on-call engineer reads the
    /// threshold, severity and <c>for</c> there, and a rule changed without its runbook would have them misjudge the alert.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllAlerts))]
    public async Task Runbook_header_and_expression_are_the_rule_s_own(string alert)
    {
        var rule = Assert.Single(RuleFile.Alerts.Rules, r => r.Alert == alert);
        var text = await File.ReadAllTextAsync(Repo.File("docs", "runbooks", alert + ".md"));

        var header = RunbookHeader().Match(text);
        Assert.True(header.Success, $"docs/runbooks/{alert}.md: no line **Severity:** `…` · **Component:** `…` · **For:** `…`");
        Assert.Equal(
            (rule.Labels.GetValueOrDefault("severity"), rule.Labels.GetValueOrDefault("component"), rule.For ?? "0s"),
            (header.Groups["severity"].Value, header.Groups["component"].Value, header.Groups["for"].Value));

        var expression = RunbookExpression().Match(text);
        Assert.True(expression.Success, $"docs/runbooks/{alert}.md: no \"Alert expression\" promql block");
        Assert.Equal(Words(rule.Expr), Words(expression.Groups["expr"].Value));

        static string Words(string promql) => string.Join(' ', promql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    [GeneratedRegex(@"\*\*Severity:\*\* `(?<severity>[^`]*)` · \*\*Component:\*\* `(?<component>[^`]*)` · \*\*For:\*\* `(?<for>[^`]*)`")]
    private static partial Regex RunbookHeader();

    [GeneratedRegex(@"Alert expression[^\n]*\n\n```promql\n(?<expr>.*?)```", RegexOptions.Singleline)]
    private static partial Regex RunbookExpression();

    [Fact]
    public async Task Runbook_queries_are_valid_promql()
    {
        var queries = RunbookQueries();
        Assert.True(queries.Count >= 2 * RuleFile.Alerts.Rules.Count(), $"only {queries.Count} PromQL blocks in docs/runbooks");
        await PromQl.AssertAllParseAsync(queries);
    }

    /// <summary>Every ```promql block of docs/runbooks/*.md as (file, query).</summary>
    public static IReadOnlyList<(string Origin, string Expr)> RunbookQueries()
    {
        var queries = new List<(string, string)>();
        foreach (var file in Directory.GetFiles(Repo.File("docs", "runbooks"), "*.md").Order(StringComparer.Ordinal))
        {
            foreach (var block in File.ReadAllText(file).Split("```promql").Skip(1))
            {
                queries.Add((Path.GetFileName(file), block[..block.IndexOf("```", StringComparison.Ordinal)].Trim()));
            }
        }

        return queries;
    }

    [Fact]
    public void Critical_is_page_and_warning_is_ticket_for_slo_burn_rates()
    {
        var alerts = RuleFile.Alerts.Rules.ToDictionary(r => r.Alert!);
        Assert.Equal("critical", alerts["BackendErrorBudgetBurn1h"].Labels["severity"]);
        Assert.Equal("critical", alerts["BackendErrorBudgetBurn6h"].Labels["severity"]);
        Assert.Equal("warning", alerts["BackendErrorBudgetBurn1d"].Labels["severity"]);
        Assert.Equal("warning", alerts["BackendErrorBudgetBurn3d"].Labels["severity"]);
        Assert.Contains("14.4", alerts["BackendErrorBudgetBurn1h"].Expr, StringComparison.Ordinal);
        Assert.Contains("ratio_rate5m", alerts["BackendErrorBudgetBurn1h"].Expr, StringComparison.Ordinal);
        Assert.Contains("ratio_rate30m", alerts["BackendErrorBudgetBurn6h"].Expr, StringComparison.Ordinal);
        Assert.Contains("ratio_rate2h", alerts["BackendErrorBudgetBurn1d"].Expr, StringComparison.Ordinal);
        Assert.Contains("ratio_rate3d", alerts["BackendErrorBudgetBurn3d"].Expr, StringComparison.Ordinal);
    }
}
