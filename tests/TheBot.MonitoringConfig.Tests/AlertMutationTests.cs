using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using TheBot.MonitoringConfig.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>
/// Mutation test of the promtool unit tests (issue 10: "a test fails when any threshold or `for` changes without its
/// edge cases"). For every alert, a temporary copy of alert_rules.yml moves its threshold one step up, then one step
/// down, and its <c>for</c> one evaluation interval (1m) up and down; <c>promtool test rules</c> on the test groups that
/// evaluate that alert (in edges_*_test.yml) must then FAIL. A mutation they survive is a threshold or duration nobody would notice changing.
/// </summary>
/// <remarks>
/// The step is the distance between the alert's "just under" and "just over" inputs in
/// monitoring/prometheus/tests/edges_*_test.yml, so each mutation crosses exactly one of them: up silences the over
/// case, down fires the under case. Where a step is more than the metric's raw resolution, the comment says why.
/// </remarks>
public class AlertMutationTests(ITestOutputHelper output)
{
    /// <summary>Evaluation interval of the unit tests (and the unit of a <c>for</c> mutation).</summary>
    private static readonly TimeSpan EvaluationInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Alert -> the comparison in its expression as written (every occurrence is moved together) and the step.
    /// </summary>
    private static readonly Dictionary<string, (string Literal, decimal Step)> Thresholds = new(StringComparer.Ordinal)
    {
        ["BackendHighErrorRate"] = ("> 0.05", 0.002m), // 4.9 % vs 5.1 % of 1000 requests/min
        ["BackendHighLatency"] = ("> 1", 0.005m), // p95 0.99995 s vs 1.003 s: one request in 10000/min across the 1 s bucket
        ["BackendSlowQueries"] = ("> 10", 0.0334m), // 599 vs 601 slow queries/min: one a minute each side (1/60 s⁻¹)
        ["BackendErrorBudgetBurn1h"] = ("14.4 *", 0.2m), // burn factor 14.3x vs 14.5x (1.43 % vs 1.45 % 5xx)
        ["BackendErrorBudgetBurn6h"] = ("6 *", 0.2m),
        ["BackendErrorBudgetBurn1d"] = ("3 *", 0.2m),
        ["BackendErrorBudgetBurn3d"] = ("1 *", 0.2m),
        ["BackendDatabaseConnectionErrors"] = ("> 0.1", 0.0334m), // 5 vs 7 failed opens/min
        ["BackendCacheErrors"] = ("> 0.05", 0.002m),
        ["PaymentsFailing"] = ("> 0.1", 0.002m),
        ["BackgroundTasksFailing"] = ("> 0.1", 0.002m),
        ["JobQueueBacklog"] = ("> 100", 1m), // 100 vs 101 jobs (integer gauge: the under case sits at the threshold)
        ["FrontendHighErrorRate"] = ("> 0.05", 0.002m),
        ["FrontendHighLatency"] = ("> 1", 0.005m),
        ["LongRunningQueries"] = ("> 5", 0.2m), // 4.9 s vs 5.1 s
        ["PostgreSQLConnectionsNearMax"] = ("> 0.8", 0.02m), // 79 vs 81 of 100 connections
        ["PostgreSQLDeadlocks"] = ("> 0", 1m), // 0 vs 1 event (increase over a full window is exact)
        ["PostgreSQLReplicationLag"] = ("> 30", 0.2m),
        ["RedisMemoryNearMax"] = ("> 0.9", 0.002m),
        ["RedisEvictions"] = ("> 0", 1m),
        ["RedisRejectedConnections"] = ("> 0", 1m),
        ["HighCPUUsage"] = ("> 80", 0.2m), // 79.9 % vs 80.1 %
        ["HighMemoryUsage"] = ("> 80", 0.2m),
        ["CriticalMemoryUsage"] = ("> 95", 0.2m),
        ["HighDiskIO"] = ("> 1000", 2m), // 999 vs 1001 operations/s
        ["DiskFillingUp"] = ("< 0.25", 0.0004m), // free space falls 0.0002 a minute: the crossing moves by 2 minutes
        ["OOMKillDetected"] = ("> 0", 1m),
        ["PrometheusRuleEvaluationFailures"] = ("> 0", 1m),
        ["PrometheusNotificationsFailing"] = ("> 0.01", 0.002m),
        ["PrometheusNotConnectedToAlertmanager"] = ("< 1", 1m), // 1 vs 0 Alertmanagers
        ["AlertmanagerFailedNotifications"] = ("> 0", 1m),
        ["BackendInstanceDown"] = ("> 1", 1m), // 2 targets (one down) vs 1 target (down: BackendServiceDown's case)
        ["PrometheusRemoteWriteBehind"] = ("> 120", 2m), // 121 s vs 119 s behind
        ["PrometheusRemoteWriteFailing"] = ("> 0.01", 0.002m), // 1.1 % vs 0.9 % of 1000 samples/min failed or retried
        ["AlertmanagerClusterGossipFailing"] = ("> 0", 1m), // health score 1 vs 0 (memberlist's integer score)
        ["PrometheusReplicasDisagree"] = ("> 0", 1m), // 3 vs 2 targets, 3 vs 3
    };

    /// <summary>Alerts whose condition is not <c>&lt;expr&gt; &lt;op&gt; &lt;number&gt;</c>: only their <c>for</c> is mutated.</summary>
    private static readonly Dictionary<string, string> ForOnly = new(StringComparer.Ordinal)
    {
        ["BackendServiceDown"] = "up == 0 unless some up == 1, or absent(); 0/1 gauges",
        ["FrontendServiceDown"] = "up == 0 on a 0/1 gauge",
        ["BackendDatabaseUnreachable"] = "== 0 on a 0/1 gauge, unless the exporter's PostgreSQLDown condition holds",
        ["PostgreSQLDown"] = "pg_up == 0 or up == 0, 0/1 gauges",
        ["PostgresExporterErrors"] = "== 1 on a 0/1 gauge",
        ["RedisDown"] = "redis_up == 0 or up == 0, 0/1 gauges",
        ["TargetDown"] = "up == 0 on a 0/1 gauge",
        ["VictoriaMetricsDown"] = "up == 0 on a 0/1 gauge",
        ["AlertmanagerClusterMembersMissing"] = "members < count of targets: both sides are counts, no literal",
        ["JobMissing"] = "absent()",
        ["PrometheusConfigReloadFailed"] = "== 0 on a 0/1 gauge",
        ["AlertmanagerConfigReloadFailed"] = "== 0 on a 0/1 gauge",
        ["Watchdog"] = "vector(1), no threshold; its missing for becomes for: 1m",
        ["DatabaseOutageRecent"] = "max_over_time of its sources' ALERTS, no threshold; its missing for becomes for: 1m (its 10m window's edges are tested: holds at 10m, silent at 11m)",
    };

    [Fact]
    public void Every_alert_declares_its_mutations()
    {
        var alerts = RuleFile.Alerts.Rules.ToDictionary(r => r.Alert!);
        var undeclared = alerts.Keys.Where(a => !Thresholds.ContainsKey(a) && !ForOnly.ContainsKey(a)).ToList();
        Assert.True(undeclared.Count == 0, "add to Thresholds (with the step of its edge tests) or ForOnly: " + string.Join(", ", undeclared));
        var gone = Thresholds.Keys.Concat(ForOnly.Keys).Where(a => !alerts.ContainsKey(a)).ToList();
        Assert.True(gone.Count == 0, "declared but not in alert_rules.yml: " + string.Join(", ", gone));
        var both = Thresholds.Keys.Intersect(ForOnly.Keys).ToList();
        Assert.True(both.Count == 0, "in both Thresholds and ForOnly: " + string.Join(", ", both));
        foreach (var (alert, (literal, _)) in Thresholds)
        {
            Assert.True(LiteralPattern(literal).IsMatch(alerts[alert].Expr), $"{alert}: '{literal}' is not in its expression {alerts[alert].Expr}");
        }
    }

    [Fact]
    public async Task Every_threshold_and_for_change_breaks_the_promtool_tests()
    {
        var rules = await File.ReadAllTextAsync(Repo.Monitoring("prometheus", "alert_rules.yml"));
        var mutations = RuleFile.Alerts.Rules.SelectMany(r => Mutations(rules, r.Alert!)).ToList();
        var clock = Stopwatch.StartNew();

        // Two workers: the machine is shared, and promtool is single-threaded per run.
        using var workers = new SemaphoreSlim(2);
        var verdicts = await Task.WhenAll(mutations.Select(async m =>
        {
            await workers.WaitAsync();
            try
            {
                return (Mutation: m, Verdict: await RunAsync(m));
            }
            finally
            {
                workers.Release();
            }
        }));

        output.WriteLine($"{mutations.Count} mutations of {mutations.Select(m => m.Alert).Distinct().Count()} alerts in {clock.Elapsed.TotalSeconds:F1} s");
        var wrong = verdicts.Where(v => v.Verdict is not null).Select(v => $"{v.Mutation}: {v.Verdict}").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {mutations.Count} mutations not caught:\n" + string.Join('\n', wrong));
    }

    /// <summary>A changed copy of alert_rules.yml that the tests of <paramref name="Alert"/> must reject.</summary>
    private sealed record Mutation(string Alert, string Change, string? Rules)
    {
        public override string ToString() => $"{Alert} {Change}";
    }

    private static IEnumerable<Mutation> Mutations(string rules, string alert)
    {
        var (start, end) = Block(rules, alert);
        var block = rules[start..end];
        string With(string changed) => rules[..start] + changed + rules[end..];

        if (Thresholds.TryGetValue(alert, out var threshold))
        {
            var pattern = LiteralPattern(threshold.Literal);
            var number = Regex.Match(threshold.Literal, @"[\d.]+");
            var value = decimal.Parse(number.Value, CultureInfo.InvariantCulture);
            foreach (var delta in new[] { threshold.Step, -threshold.Step })
            {
                var moved = threshold.Literal[..number.Index] + (value + delta).ToString(CultureInfo.InvariantCulture) + threshold.Literal[(number.Index + number.Length)..];
                // Only inside the expression: comments around it may quote the threshold.
                var expr = Regex.Match(block, @"^\s+expr:.*?(?=^\s+(for|labels|annotations):)", RegexOptions.Multiline | RegexOptions.Singleline);
                var changed = block[..expr.Index] + pattern.Replace(expr.Value, moved) + block[(expr.Index + expr.Length)..];
                yield return new(alert, $"threshold '{threshold.Literal}' -> '{moved}'", With(changed));
            }
        }

        var forLine = Regex.Match(block, @"^(?<indent>\s+)for: (?<value>\S+)\s*$", RegexOptions.Multiline);
        if (!forLine.Success)
        {
            // No `for` (the Watchdog, DatabaseOutageRecent): it fires at its first evaluation; a `for` of one interval
            // must be noticed. Inserted before `labels:`, after the whole expression (a block scalar spans lines).
            var labels = Regex.Match(block, @"^(?<indent>[ ]+)labels:", RegexOptions.Multiline);
            yield return new(alert, $"for: (none) -> {Format(EvaluationInterval)}", With(block.Insert(labels.Index, $"{labels.Groups["indent"].Value}for: {Format(EvaluationInterval)}\n")));
            yield break;
        }

        var current = Parse(forLine.Groups["value"].Value);
        foreach (var changed in new[] { current + EvaluationInterval, current - EvaluationInterval })
        {
            if (changed < TimeSpan.Zero)
            {
                continue; // for: 0m has no shorter value; up is still mutated.
            }

            var line = $"{forLine.Groups["indent"].Value}for: {Format(changed)}";
            yield return new(alert, $"for: {forLine.Groups["value"].Value} -> {Format(changed)}", With(block.Remove(forLine.Index, forLine.Length).Insert(forLine.Index, line)));
        }
    }

    /// <summary>
    /// Runs the tests of the mutation's alert against the mutated rules. Null when the tests fail as they must;
    /// otherwise why the mutation is not caught (or could not be judged).
    /// </summary>
    private static async Task<string?> RunAsync(Mutation mutation)
    {
        var dir = Directory.CreateTempSubdirectory("thebot-mutation-");
        try
        {
            var rulesPath = Path.Combine(dir.FullName, "alert_rules.yml");
            await File.WriteAllTextAsync(rulesPath, mutation.Rules);
            var check = await Tools.RunAsync("promtool", ["check", "rules", rulesPath]);
            if (!check.Succeeded)
            {
                return "the mutated rules do not load (a broken mutation proves nothing): " + check.StandardOutput + check.StandardError;
            }

            // Only what the alert's verdict depends on is evaluated: promtool evaluates every rule of its rule files at
            // every step, and the other 48 alerts and the recording rules this one does not read are most of that cost.
            WriteRulesOnlyFor(mutation.Alert, mutation.Rules!, dir.FullName);
            var tests = Path.Combine(dir.FullName, "tests");
            Directory.CreateDirectory(tests);
            var files = TestFilesOf(mutation.Alert, tests);
            if (files.Count == 0)
            {
                return "no promtool test evaluates this alert";
            }

            foreach (var file in files)
            {
                var result = await Tools.RunAsync("promtool", ["test", "rules", file], workingDirectory: tests, timeout: TimeSpan.FromSeconds(120));
                if (result.TimedOut)
                {
                    return $"promtool timed out on {Path.GetFileName(file)}";
                }

                if (!result.Succeeded)
                {
                    // A test that fails says FAILED with the case; anything else (a file promtool cannot read) is not a verdict.
                    var said = result.StandardOutput + result.StandardError;
                    return Regex.IsMatch(said, @"FAILED:\s+name: ") ? null : $"promtool failed without a test failure on {Path.GetFileName(file)}: {said}";
                }
            }

            return "every test still passes (" + string.Join(", ", files.Select(Path.GetFileName)) + ")";
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Writes into <paramref name="dir"/> the rule files the tests of <paramref name="alert"/> load: alert_rules.yml
    /// (<paramref name="alertRules"/>, mutated) with that alert alone, and recording_rules.yml with the rules it reads,
    /// directly or through other recording rules. Every group stays (empty where nothing of it is needed), because the
    /// test files' group_eval_order names them. An alert that reads ALERTS (DatabaseOutageRecent) keeps the alerts it
    /// names, and what they read: their firing is its input.
    /// </summary>
    private static void WriteRulesOnlyFor(string alert, string alertRules, string dir)
    {
        var alerts = YamlMap.Parse(alertRules);
        var alertRulesList = alerts.At("groups").AsList().SelectMany(g => g.At("rules").AsList()).Where(r => r.At("alert") is not null).ToList();
        var read = new HashSet<string>(StringComparer.Ordinal) { alert };
        for (var added = true; added;)
        {
            var before = read.Count;
            read.UnionWith(alertRulesList.Where(r => read.Contains(r.At("alert").AsText() ?? string.Empty)).SelectMany(r => Names(r.At("expr").AsText())).ToList());
            added = read.Count > before;
        }

        foreach (var group in alerts.At("groups").AsList().Select(g => g.AsMap()))
        {
            group["rules"] = group.At("rules").AsList().Where(r => r.At("alert") is not null && read.Contains(r.At("alert").AsText() ?? string.Empty)).ToList();
        }

        var recording = YamlMap.Load(Repo.Monitoring("prometheus", "recording_rules.yml"));
        var rules = recording.At("groups").AsList().SelectMany(g => g.At("rules").AsList()).ToList();
        for (var added = true; added;)
        {
            var before = read.Count;
            read.UnionWith(rules.Where(r => read.Contains(r.At("record").AsText() ?? string.Empty)).SelectMany(r => Names(r.At("expr").AsText())).ToList());
            added = read.Count > before;
        }

        foreach (var group in recording.At("groups").AsList().Select(g => g.AsMap()))
        {
            group["rules"] = group.At("rules").AsList().Where(r => read.Contains(r.At("record").AsText() ?? string.Empty)).ToList();
        }

        File.WriteAllText(Path.Combine(dir, "alert_rules.yml"), YamlMap.Write(alerts));
        File.WriteAllText(Path.Combine(dir, "recording_rules.yml"), YamlMap.Write(recording));

        static IEnumerable<string> Names(string? expr) => Regex.Matches(expr ?? string.Empty, "[a-zA-Z_:][a-zA-Z0-9_:]*").Select(m => m.Value);
    }

    /// <summary>
    /// Writes into <paramref name="dir"/> the groups of the edge test files (edges_*_test.yml) that evaluate
    /// <paramref name="alert"/> (alert_rule_test on it). The edge tests alone must catch every mutation: the older
    /// files test far from the thresholds, and running them too would only make this slower (the SLO file alone
    /// takes half a minute). The copies keep rule_files (../*.yml), evaluation_interval and group_eval_order, and only
    /// the alert's own alert_rule_test cases.
    /// </summary>
    private static List<string> TestFilesOf(string alert, string dir)
    {
        var written = new List<string>();
        foreach (var source in Directory.GetFiles(Repo.Monitoring("prometheus", "tests"), "edges_*.yml").Order(StringComparer.Ordinal))
        {
            var test = YamlMap.Load(source);
            var groups = test.At("tests").AsList().Where(g => g.At("alert_rule_test").AsList().Any(t => t.At("alertname").AsText() == alert)).ToList();
            if (groups.Count == 0)
            {
                continue;
            }

            // Only this alert's cases: the other alerts of a group have no rule in the trimmed rule files.
            foreach (var group in groups.Select(g => g.AsMap()))
            {
                group["alert_rule_test"] = group.At("alert_rule_test").AsList().Where(t => t.At("alertname").AsText() == alert).ToList();
            }

            test["tests"] = groups;
            var path = Path.Combine(dir, Path.GetFileName(source));
            File.WriteAllText(path, YamlMap.Write(test));
            written.Add(path);
        }

        return written;
    }

    /// <summary>Baseline: the trimmed copies pass against the unchanged rules, so a failure under a mutation is the mutation's.</summary>
    [Fact]
    public async Task The_trimmed_test_copies_pass_on_the_committed_rules()
    {
        var rules = await File.ReadAllTextAsync(Repo.Monitoring("prometheus", "alert_rules.yml"));
        using var workers = new SemaphoreSlim(2);
        var verdicts = await Task.WhenAll(RuleFile.Alerts.Rules.Select(async r =>
        {
            await workers.WaitAsync();
            try
            {
                // An identity "mutation": every test must pass, so RunAsync reports that it was not caught.
                var verdict = await RunAsync(new Mutation(r.Alert!, "unchanged", rules));
                return (Alert: r.Alert!, Passed: verdict?.StartsWith("every test still passes", StringComparison.Ordinal) == true, Verdict: verdict);
            }
            finally
            {
                workers.Release();
            }
        }));

        var broken = verdicts.Where(v => !v.Passed).Select(v => $"{v.Alert}: {v.Verdict ?? "a test failed on the unchanged rules"}").ToList();
        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    /// <summary>The alert's rule in the file: from its "- alert:" line to the next rule or group.</summary>
    private static (int Start, int End) Block(string rules, string alert)
    {
        var start = Regex.Match(rules, $@"^\s*- alert: {Regex.Escape(alert)}\s*$", RegexOptions.Multiline);
        Assert.True(start.Success, $"alert {alert} not found in alert_rules.yml");
        var next = Regex.Match(rules[(start.Index + start.Length)..], @"^\s*- (alert|record|name):", RegexOptions.Multiline);
        return (start.Index, next.Success ? start.Index + start.Length + next.Index : rules.Length);
    }

    /// <summary>The literal as a whole token: "1 *" must not match inside "14.4 *", "> 1" not inside "> 10".</summary>
    private static Regex LiteralPattern(string literal) => new(@"(?<![\d.])" + Regex.Escape(literal) + @"(?![\d.])");

    private static TimeSpan Parse(string duration)
    {
        var m = Regex.Match(duration, @"^(\d+)([smh])$");
        Assert.True(m.Success, $"unsupported for: {duration}");
        var n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "s" => TimeSpan.FromSeconds(n), "m" => TimeSpan.FromMinutes(n), _ => TimeSpan.FromHours(n) };
    }

    private static string Format(TimeSpan duration) => $"{(int)duration.TotalMinutes}m";
}
