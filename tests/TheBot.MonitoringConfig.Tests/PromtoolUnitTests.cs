using TheBot.Cli.Config;
using TheBot.MonitoringConfig.Tests.Support;
using TheBot.Stack;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>
/// The promtool unit tests beside the rules (monitoring/prometheus/tests/*.yml) cover every rule: each alert firing
/// not before its <c>for</c> and silent below its threshold, each recording rule. That each file passes promtool is
/// Cli.Tests' PromtoolUnitTestFilesTests, which shares its runs with <c>./thebot check</c>.
/// </summary>
public class PromtoolUnitTests
{
    [Fact]
    public void Every_alert_is_tested_firing_not_before_its_for_and_silent_below_threshold()
    {
        var groups = LoadTests().ToList();
        var missing = new List<string>();
        foreach (var rule in RuleFile.Alerts.Rules)
        {
            var alert = rule.Alert!;
            var own = groups.Select(g => g.AlertRuleTest.Where(t => t.Alertname == alert).ToList()).Where(c => c.Count > 0).ToList();
            var firing = own.Where(c => c.Any(t => t.ExpAlerts.Count > 0)).ToList();
            if (firing.Count == 0)
            {
                missing.Add($"{alert}: no case where it fires");
            }

            if (alert == "Watchdog")
            {
                continue;
            }

            // "Not before its for": in the same test group, a silent evaluation earlier than the firing one.
            if (!firing.Any(c => c.Any(t => t.ExpAlerts.Count == 0 && c.Any(f => f.ExpAlerts.Count > 0 && Duration(f.EvalTime) > Duration(t.EvalTime)))))
            {
                missing.Add($"{alert}: no silent evaluation before the firing one (its for: {rule.For ?? "0s"})");
            }

            // "Not below its threshold": a test group where it never fires.
            if (!own.Any(c => c.All(t => t.ExpAlerts.Count == 0)))
            {
                missing.Add($"{alert}: no case where it stays silent below its threshold");
            }
        }

        Assert.True(missing.Count == 0, "promtool tests missing:\n" + string.Join('\n', missing));
    }

    // The CLI's parser, which follows Prometheus' grammar: the regex this file had skipped what it did not know (w, y).
    private static TimeSpan Duration(string promDuration) => PrometheusDuration.Parse(promDuration);

    [Fact]
    public void Every_recording_rule_is_tested()
    {
        var exprs = LoadTests().SelectMany(t => t.PromqlExprTest).Where(t => t.ExpSamples.Count > 0).Select(t => t.Expr).ToList();
        var untested = RuleFile.Recordings.Rules
            .Select(r => r.Record!)
            .Distinct()
            .Where(name => !exprs.Any(e => PromQl.MetricNames(e).Contains(name)))
            .ToList();
        Assert.True(untested.Count == 0, "recording rules without a promql_expr_test: " + string.Join(", ", untested));
    }

    [Fact]
    public void Every_test_file_loads_both_rule_files_it_needs()
    {
        foreach (var file in Directory.GetFiles(Repo.Monitoring("prometheus", "tests"), "*.yml"))
        {
            var test = YamlMap.Load<PromtoolTestFile>(file);
            Assert.Contains("../recording_rules.yml", test.RuleFiles);
            if (test.Tests.Any(t => t.AlertRuleTest.Count > 0))
            {
                Assert.Contains("../alert_rules.yml", test.RuleFiles);
            }
        }
    }

    /// <summary>
    /// Without group_eval_order promtool evaluates the rule groups in a random order each run, so an alert on a
    /// recording rule starts one interval later in some runs: a test at the edge of its `for` then fails at random.
    /// </summary>
    [Fact]
    public void Every_test_file_evaluates_recording_rules_before_alerts()
    {
        var recording = RuleFile.Recordings.Groups.Select(g => g.Name).ToList();
        var alerting = RuleFile.Alerts.Groups.Select(g => g.Name).ToList();
        foreach (var file in Directory.GetFiles(Repo.Monitoring("prometheus", "tests"), "*.yml"))
        {
            var test = YamlMap.Load(file);
            var order = test.At("group_eval_order").AsList().Select(n => n.AsText()!).ToList();
            var expected = test.At("rule_files").AsList().Select(f => f.AsText()).Contains("../alert_rules.yml") ? recording.Concat(alerting).ToList() : recording;
            Assert.True(order.SequenceEqual(expected), $"{Path.GetFileName(file)}: group_eval_order must list {string.Join(", ", expected)}");
        }
    }

    private static IEnumerable<PromtoolTestGroup> LoadTests() =>
        Directory.GetFiles(Repo.Monitoring("prometheus", "tests"), "*.yml").SelectMany(f => YamlMap.Load<PromtoolTestFile>(f).Tests);
}
