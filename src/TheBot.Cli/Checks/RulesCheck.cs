namespace TheBot.Cli.Checks;

/// <summary>
/// Every rule file in prometheus/ (each *.yml but the server configurations, <see cref="PrometheusConfigCheck.ConfigFiles"/>): <c>promtool check rules --lint=all --lint-fatal</c>;
/// every unit-test file in prometheus/tests/: <c>promtool test rules</c>. Unit tests whose rule files do not even
/// parse are not run (the rule file's own ✗ says why). Test verdicts are remembered per content within the process.
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

        var ruleFiles = Directory.GetFiles(prometheusDir, "*.yml").Where(f => !PrometheusConfigCheck.ConfigFiles.Contains(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList();
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
        var text = await File.ReadAllTextAsync(file, cancellationToken);
        var uses = ruleFiles.Where(r => text.Contains(Path.GetFileName(r), StringComparison.Ordinal)).ToList();
        var unusable = uses.Where(broken.Contains).Select(context.Display).ToList();
        if (unusable.Count > 0)
        {
            return CheckResult.Fail(shown, TestName, $"not run: {string.Join(", ", unusable)} does not pass promtool check rules");
        }

        var result = await CheckTool.RunRememberedAsync(
            "promtool", ["test", "rules", Path.GetFileName(file)], [file, .. uses], Path.GetDirectoryName(file)!, cancellationToken, TimeSpan.FromSeconds(120));
        if (result is null)
        {
            return CheckResult.Fail(shown, TestName, CheckTool.Missing("promtool"));
        }

        return result.Succeeded ? CheckResult.Pass(shown, TestName) : CheckResult.Fail(shown, TestName, CheckTool.Useful(result, maxLines: 16));
    }
}
