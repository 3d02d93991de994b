using TheBot.Cli.Checks;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// Each promtool unit-test file beside the rules (monitoring/prometheus/tests/*.yml) passes <c>promtool test rules</c>,
/// with promtool's own output when it does not. The runs go through <see cref="RulesCheck.RunUnitTestAsync"/>, the one
/// <c>./thebot check</c> makes, which remembers each verdict per content within the process: with
/// <see cref="CheckCommittedTests"/> in the same collection the committed files are run once per test run, not once
/// for the check and again here (they were run twice, in two test projects, until 2026-12-03: ~75 s of CPU).
/// Whether every rule is covered is MonitoringConfig.Tests' PromtoolUnitTests.
/// </summary>
[Collection(PromtoolHeavyChecks.Name)]
public class PromtoolUnitTestFilesTests
{
    private static readonly string PrometheusDir = Path.Combine(CheckSupport.Root, "monitoring", "prometheus");

    /// <summary>Every promtool test file.</summary>
    public static TheoryData<string> TestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(PrometheusDir, "tests"), "*.yml").Order(StringComparer.Ordinal))
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
        Assert.NotNull(result);
        Assert.True(result.Succeeded, $"promtool test rules {file} exited {result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}:\n{result.StandardOutput}\n{result.StandardError}");
        Assert.Contains("SUCCESS", result.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every file's run, all started by the first case (xUnit runs a theory's cases one after another: run that way,
    /// the 14 files would keep one core busy for ~75 s while the other sat idle), or the check's remembered verdicts.
    /// </summary>
    private static readonly Lazy<IReadOnlyDictionary<string, Task<CommandResult?>>> Runs = new(() =>
    {
        var ruleFiles = RulesCheck.RuleFiles(PrometheusDir);
        return Directory.GetFiles(Path.Combine(PrometheusDir, "tests"), "*.yml").ToDictionary(
            f => Path.GetFileName(f),
            f => RulesCheck.RunUnitTestAsync(f, RulesCheck.UsedBy(File.ReadAllText(f), ruleFiles), CancellationToken.None));
    });
}
