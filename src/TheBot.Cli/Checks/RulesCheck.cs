using TheBot.Stack;

namespace TheBot.Cli.Checks;

/// <summary>
/// Every rule file in prometheus/ (each *.yml but the server configurations, <see cref="PrometheusConfigCheck.ConfigFiles"/>): <c>promtool check rules --lint=all --lint-fatal</c>;
/// every unit-test file in prometheus/tests/: <c>promtool test rules</c>. Unit tests whose rule files do not even
/// parse are not run (the rule file's own ✗ says why). Test verdicts are remembered per content within the process
/// (<see cref="RunUnitTestAsync"/>), so a test that holds each file to promtool beside a full check pays for one run.
/// </summary>
public sealed class RulesCheck : IMonitoringCheck
{
    /// <inheritdoc />
    public string Key => "rules";

    /// <summary>What the rule-file line says was checked.</summary>
    public const string LintName = "promtool check rules --lint-fatal";

    /// <summary>What the unit-test line says was checked.</summary>
    public const string TestName = "promtool test rules";

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var prometheusDir = context.Monitoring("prometheus");
        if (!Directory.Exists(prometheusDir))
        {
            return [CheckResult.Fail(context.Display(prometheusDir), LintName, "missing")];
        }

        var ruleFiles = RuleFiles(prometheusDir);
        var lint = await Task.WhenAll(ruleFiles.Select(f => LintAsync(context, f, cancellationToken)));
        var broken = ruleFiles.Where((_, i) => !lint[i].Ok).ToHashSet(StringComparer.Ordinal);

        var testsDir = Path.Combine(prometheusDir, "tests");
        var testFiles = Directory.Exists(testsDir) ? Directory.GetFiles(testsDir, "*.yml").Order(StringComparer.Ordinal).ToList() : [];
        var tests = await Task.WhenAll(testFiles.Select(f => TestAsync(context, f, ruleFiles, broken, cancellationToken)));
        return [.. lint, .. tests.OfType<CheckResult>()];
    }

    private static async Task<CheckResult> LintAsync(CheckContext context, string file, CancellationToken cancellationToken)
    {
        var shown = context.Display(file);
        var result = await CheckTool.RunAsync("promtool", ["check", "rules", "--lint=all", "--lint-fatal", Path.GetFileName(file)], cancellationToken, Path.GetDirectoryName(file));
        if (result is null)
        {
            return CheckResult.Fail(shown, LintName, CheckTool.Missing("promtool"));
        }

        return result.Succeeded
            ? CheckResult.Pass(shown, LintName)
            : CheckResult.Fail(shown, LintName, CheckTool.Useful(result, new Dictionary<string, string> { [Path.GetFileName(file) + ":"] = shown + ":" }));
    }

    private static async Task<CheckResult?> TestAsync(CheckContext context, string file, IReadOnlyList<string> ruleFiles, IReadOnlySet<string> broken, CancellationToken cancellationToken)
    {
        var shown = context.Display(file);
        var uses = UsedBy(await File.ReadAllTextAsync(file, cancellationToken), ruleFiles);
        var unusable = uses.Where(broken.Contains).Select(context.Display).ToList();
        if (unusable.Count > 0)
        {
            return CheckResult.Fail(shown, TestName, $"not run: {string.Join(", ", unusable)} does not pass promtool check rules");
        }

        var result = await RunUnitTestAsync(file, uses, cancellationToken);
        if (result is null)
        {
            return CheckResult.Fail(shown, TestName, CheckTool.Missing("promtool"));
        }

        return result.Succeeded ? CheckResult.Pass(shown, TestName) : CheckResult.Fail(shown, TestName, CheckTool.Useful(result, maxLines: 16));
    }

    /// <summary>The rule files of <paramref name="prometheusDir"/>: each *.yml but the server configurations, in ordinal order.</summary>
    internal static List<string> RuleFiles(string prometheusDir) =>
        Directory.GetFiles(prometheusDir, "*.yml").Where(f => !PrometheusConfigCheck.ConfigFiles.Contains(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList();

    /// <summary>The rule files a unit-test file's text names (its <c>rule_files</c>, by file name).</summary>
    internal static List<string> UsedBy(string testFileText, IEnumerable<string> ruleFiles) =>
        ruleFiles.Where(r => testFileText.Contains(Path.GetFileName(r), StringComparison.Ordinal)).ToList();

    /// <summary>
    /// <c>promtool test rules</c> on <paramref name="testFile"/> (run in its folder, 300 s at most once it has a slot),
    /// remembered within the process per content of the test file and of the rule files it <paramref name="uses"/>.
    /// </summary>
    internal static Task<CommandResult?> RunUnitTestAsync(string testFile, IReadOnlyList<string> uses, CancellationToken cancellationToken) =>
        CheckTool.RunRememberedAsync("promtool", ["test", "rules", Path.GetFileName(testFile)], [testFile, .. uses], Path.GetDirectoryName(testFile)!, cancellationToken, TimeSpan.FromSeconds(300));
}
