using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using TheBot.Cli.Checks;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot check</c>: validates every file under monitoring/ with the real tools (promtool, amtool,
/// docker-compose) and format checks (dashboards, Loki, Alloy, alert metadata and runbooks). One line per file and
/// check, <c>file: reason</c> on failures, a summary line; exit 0 iff every check passes.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var dir = new Option<string?>("--dir")
        {
            Description = "The monitoring folder to check (default: monitoring/ at the repository root). A copy elsewhere is checked as is.",
        };
        var runbooks = new Option<string?>("--runbooks")
        {
            Description = "Where the runbooks <Alert>.md live (default: docs/runbooks/ at the repository root, also when --dir points elsewhere).",
        };
        var json = new Option<bool>("--json") { Description = "Print the results as one JSON document instead of lines." };
        var only = new Option<string[]>("--only")
        {
            Description = "Run only these checks (default: all), e.g. --only dashboards alert-metadata: a quick loop while editing one part; promtool's unit tests (rules) take most of a full check.",
            AllowMultipleArgumentsPerToken = true,
        };
        only.AcceptOnlyFromAmong([.. MonitoringChecks.Keys]);
        var command = new Command("check", "Validate every file under monitoring/ (promtool, amtool, dashboards, compose, Loki, Alloy, alert runbooks), or only the checks named by --only; reports file and reason. Exit codes: 0 every check passed; 1 a check failed (file, place and reason are printed), the folder is missing or nothing was checked; 2 bad flags (the reason is printed).")
        {
            dir, runbooks, json, only,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(new CheckOptions(result.GetValue(dir), result.GetValue(runbooks), result.GetValue(json), result.GetValue(only) ?? []), result.InvocationConfiguration.Output, cancellationToken));
        return command;
    }

    /// <summary>The options of one run.</summary>
    public sealed record CheckOptions(string? Dir = null, string? Runbooks = null, bool Json = false, IReadOnlyCollection<string>? Only = null);

    /// <summary>Runs every check and writes the report to <paramref name="output"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(CheckOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var root = RepositoryRoot.Find();
        var monitoring = Path.GetFullPath(options.Dir ?? Path.Combine(root, "monitoring"));
        var runbooks = Path.GetFullPath(options.Runbooks ?? Path.Combine(root, "docs", "runbooks"));
        var watch = Stopwatch.StartNew();
        // A missing folder is one failed check, reported like any other, so --json still prints check's document.
        IReadOnlyList<CheckResult> results = Directory.Exists(monitoring)
            ? await MonitoringChecks.RunAllAsync(new CheckContext(monitoring, runbooks, root), options.Only ?? [], cancellationToken)
            : [CheckResult.Fail(monitoring, FolderCheck, "no such folder")];
        var passed = results.Count(r => r.Ok);
        var failed = results.Count - passed;
        if (options.Json)
        {
            var document = new
            {
                ok = failed == 0,
                passed,
                failed,
                results = results.Select(r => new { ok = r.Ok, file = r.File, check = r.Check, reason = r.Reason }),
            };
            await output.WriteLineAsync(JsonSerializer.Serialize(document, JsonOptions));
        }
        else
        {
            foreach (var r in results)
            {
                await output.WriteLineAsync(Format(r));
            }

            await output.WriteLineAsync($"{passed} passed, {failed} failed ({watch.Elapsed.TotalSeconds:F1} s)");
        }

        return failed == 0 && passed > 0 ? 0 : 1;
    }

    /// <summary><c>✓ file — check</c>, or <c>✗ file: reason — check</c> with further reason lines indented below.</summary>
    public static string Format(CheckResult r)
    {
        if (r.Ok)
        {
            return $"✓ {r.File} — {r.Check}";
        }

        var lines = r.Reason.Split('\n');
        var first = $"✗ {r.File}: {lines[0]} — {r.Check}";
        return lines.Length == 1 ? first : first + "\n" + string.Join('\n', lines.Skip(1).Select(l => "    " + l));
    }

    /// <summary>The check a missing <c>--dir</c> fails.</summary>
    public const string FolderCheck = "monitoring folder";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
