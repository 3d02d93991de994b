using TheBot.MonitoringConfig.Tests.Support;
using TheBot.Stack;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>The promtool unit tests beside the rules (monitoring/prometheus/tests/*.yml) pass and cover every rule.</summary>
public class PromtoolUnitTests
{
    /// <summary>Every promtool test file.</summary>
    public static TheoryData<string> TestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repo.Monitoring("prometheus", "tests"), "*.yml").Order())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TestFiles))]
    public async Task Promtool_test_rules_passes(string file)
    {
        var result = await Runs.Value[file];
        Assert.True(result.Succeeded, $"promtool test rules {file} exited {result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}:\n{result.StandardOutput}\n{result.StandardError}");
        Assert.Contains("SUCCESS", result.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// One promtool run per test file, all started by the first case, at most one per core at a time. xUnit runs a
    /// theory's cases one after another: run that way, the 14 files kept one core busy for ~85 s while the other sat
    /// idle once the rest of the project had finished.
    /// </summary>
    private static readonly Lazy<IReadOnlyDictionary<string, Task<CommandResult>>> Runs = new(() =>
    {
        var slots = new SemaphoreSlim(Environment.ProcessorCount);
        var folder = Repo.Monitoring("prometheus", "tests");
        return Directory.GetFiles(folder, "*.yml").Select(Path.GetFileName).ToDictionary(f => f!, f => RunAsync(f!));

        async Task<CommandResult> RunAsync(string file)
        {
            await slots.WaitAsync();
            try
            {
                return await Tools.RunAsync("promtool", ["test", "rules", file], workingDirectory: folder, timeout: TimeSpan.FromSeconds(110));
            }
            finally
            {
                slots.Release();
            }
        }
    });

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

    private static TimeSpan Duration(string promDuration)
    {
        var total = TimeSpan.Zero;
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(promDuration, @"(\d+)(ms|s|m|h|d)"))
        {
            var n = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
        }

        return total;
    }

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
