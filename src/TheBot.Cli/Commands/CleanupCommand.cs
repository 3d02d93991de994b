using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using TheBot.Cli.Clients;
using TheBot.Cli.Config;
using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Cli.Stores;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot cleanup --match SELECTOR --older-than 30d</c>: counts what would go (dry run first), then
/// delete_series and clean_tombstones through the admin API — on every Prometheus replica, and in the HA topology on
/// VictoriaMetrics too, whose delete_series has no end time: there a series is deleted (whole) only when it has no
/// sample newer than the end time, so nothing younger than <c>--older-than</c> is ever deleted.
/// </summary>
internal static class CleanupCommand
{
    /// <summary>
    /// Longest <c>--older-than</c>: its end time (now minus the age) must be a date, and a century back is older than
    /// any sample a store holds; <c>0s</c> is the way to delete everything.
    /// </summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(100 * 365);

    /// <summary>How long VictoriaMetrics' deletion waits for the replicas' remote_write to send past the end time.</summary>
    private static readonly TimeSpan RemoteWriteWait = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var match = new Option<string[]>("--match") { Description = "Series selector, e.g. 'thebot_http_requests_total{job=\"thebot-backend\"}' (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var olderThan = new Option<string>("--older-than") { Description = "Delete samples older than this: 30d, 12h, 90m, 0s (everything); 0s to 100y", DefaultValueFactory = _ => "30d" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only count the series that would be touched" };
        var command = StackOptions.Create("cleanup", "Delete series by selector and age, then clean tombstones: on every Prometheus replica and, with --topology ha, in VictoriaMetrics (whole series only, so only series with nothing newer than the age; 0s deletes them whole). Exit codes: 0 done (or counted, with --dry-run); 1 it failed, series are left or a store could not be reached (the reason is printed); 2 bad input.");
        // Checked while the line is parsed: an age that is no duration, or one whose end time would fall before any
        // date (3000y), is refused (exit 2) before any store is asked, not thrown out of the date arithmetic.
        olderThan.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && OlderThanProblem(result.Tokens[0].Value) is { } problem)
            {
                result.AddError(problem);
            }
        });
        command.Options.Add(match);
        command.Options.Add(olderThan);
        command.Options.Add(dryRun);
        VerbReport.AddJsonOption(command);
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var report = VerbReport.For(result);
            _ = PrometheusDuration.TryParse(result.GetValue(olderThan), out var age, out _); // valid: the validator above refused the rest
            return await report.EndAsync(await RunAsync(location, result.GetValue(match)!, age, result.GetValue(dryRun), report, ct));
        });
        return command;
    }

    /// <summary>What is wrong with <paramref name="text"/> as <c>--older-than</c>, or null when it is an age from 0s to <see cref="MaxAge"/>.</summary>
    public static string? OlderThanProblem(string text)
    {
        var valid = PrometheusDuration.TryParse(text, out var age, out var error);
        // A duration too long to count in ticks (99999999999y) is out of range like 3000y, not malformed.
        if (valid ? age > MaxAge : error.EndsWith("too long a duration", StringComparison.Ordinal))
        {
            return $"--older-than {text} is out of range: 0s to {MaxAge.TotalDays / 365:F0}y (an age counted back from now; 0s deletes everything)";
        }

        return valid ? null : $"--older-than '{text}' is not a duration like 30d, 12h, 90m or 0s ({error})";
    }

    /// <summary>Runs the cleanup, printing to <paramref name="output"/>; returns the exit code.</summary>
    public static Task<int> RunAsync(StackLocation location, IReadOnlyList<string> selectors, TimeSpan age, bool dryRun, TextWriter output, CancellationToken cancellationToken) =>
        RunAsync(location, selectors, age, dryRun, new VerbReport("cleanup", output, json: false), cancellationToken);

    private static async Task<int> RunAsync(StackLocation location, IReadOnlyList<string> selectors, TimeSpan age, bool dryRun, VerbReport report, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(location);
        // Whole seconds: delete_series takes a Unix time, and the count below must look at exactly the same range.
        var end = DateTimeOffset.FromUnixTimeSeconds((DateTimeOffset.UtcNow - age).ToUnixTimeSeconds());
        List<CleanupTarget> targets =
        [
            .. stack.Prometheuses.Select(p => new CleanupTarget(p.Name, p.Url, p.Spec, WholeSeriesOnly: false)),
            .. stack.VictoriaMetrics is { } store ? [new CleanupTarget(ServiceNames.VictoriaMetrics, store.Url, store.Spec, WholeSeriesOnly: true)] : Array.Empty<CleanupTarget>(),
        ];
        // The single-node stack's lines stay as they were; with several stores each line names its store.
        string Prefix(CleanupTarget target) => targets.Count > 1 ? target.Service + ": " : string.Empty;
        var fix = $"fix: a bad selector is named above; else check it runs with --web.enable-admin-api (./thebot status{StackOptions.StateFlags(location)})";

        foreach (var target in targets)
        {
            if (await StoreReachability.CheckAsync(location, target.Spec, "cleanup", cancellationToken) is { } unreachable)
            {
                target.Broken("unreachable", unreachable.Reason, unreachable.Fix);
                report.Fail($"{target.Service} not reached, nothing deleted there: {unreachable.Reason}", unreachable.Fix);
                continue;
            }

            await OnStoreAsync(target, report, Prefix(target), fix, async () =>
            {
                target.MatchingSeries = await CountAsync(target, selectors, end, cancellationToken);
                report.Info($"{(dryRun ? "dry run: " : string.Empty)}{Prefix(target)}{target.MatchingSeries} series have samples older than {end:u} matching {string.Join(" or ", selectors)}");
                if (target.WholeSeriesOnly && age > TimeSpan.Zero && target.MatchingSeries > 0
                    && await CountAsync(target, selectors, DateTimeOffset.UtcNow, cancellationToken, after: end) is > 0 and var younger)
                {
                    // Its delete_series would take the samples after the end time too: more than was asked.
                    target.State = "skipped";
                    target.Reason = $"left alone: its delete_series takes no end time (whole series only), and {younger} matching series also hold samples newer than {end:u}; their older samples stay there ({target.MatchingSeries} series)";
                    target.Fix = $"fix: to remove them from VictoriaMetrics too, run cleanup with --older-than 0s (deletes the whole series on every store), or leave them to its retention ({stack.VictoriaMetrics!.RetentionPeriod})";
                    report.Warn($"{Prefix(target)}{target.Reason}", target.Fix);
                }
            }, cancellationToken);
        }

        var counted = targets.Where(t => t.Usable).ToList();
        report.Set("dry_run", dryRun);
        report.Set("end", end.ToString("u", CultureInfo.InvariantCulture));
        report.Set("matching_series", counted.Sum(t => t.MatchingSeries ?? 0));
        if (!dryRun)
        {
            foreach (var target in counted.Where(t => t.State != "skipped"))
            {
                await OnStoreAsync(target, report, Prefix(target), fix, () => DeleteAsync(target, targets, selectors, end, location, report, Prefix(target), cancellationToken), cancellationToken);
            }

            report.Set("series_left", targets.Sum(t => t.SeriesLeft ?? 0));
        }

        report.Set("targets", new JsonArray([.. targets.Select(t => (JsonNode)new JsonObject
        {
            ["service"] = t.Service,
            ["state"] = t.State,
            ["matching_series"] = t.MatchingSeries,
            ["series_left"] = t.SeriesLeft,
            ["reason"] = t.Reason,
        })]));
        return targets.All(t => t.State is "counted" or "deleted" or "skipped") ? 0 : 1;
    }

    /// <summary>Deletes on one store, twice if a pass leaves something, and records what is left.</summary>
    private static async Task DeleteAsync(CleanupTarget target, IReadOnlyList<CleanupTarget> targets, IReadOnlyList<string> selectors, DateTimeOffset end, StackLocation location, VerbReport report, string prefix, CancellationToken cancellationToken)
    {
        var store = new PrometheusClient(target.Url);
        var matches = string.Concat(selectors.Select(s => "&match[]=" + Uri.EscapeDataString(s)));
        if (target.WholeSeriesOnly && target.MatchingSeries == 0)
        {
            // Its delete_series has no end time: with nothing older than the end it would only delete younger samples.
            (target.State, target.SeriesLeft) = ("deleted", 0);
            report.Ok($"{prefix}nothing to delete");
            return;
        }

        var left = 0;
        // Prometheus: a scrape already in flight when the deletion runs can still append a sample stamped before `end`.
        // VictoriaMetrics: a sample stamped before `end` still queued in a replica's remote_write would bring the series
        // back after the deletion, so it waits until the replicas have sent past `end` first. One more pass removes
        // such a sample (deleting is idempotent).
        for (var pass = 0; pass < 2 && (pass == 0 || left > 0); pass++)
        {
            if (target.WholeSeriesOnly)
            {
                var replicas = targets.Where(t => !t.WholeSeriesOnly && t.Usable).Select(t => t.Url).ToList();
                if (await RemoteWriteProgress.WaitSentPastAsync(replicas, end, RemoteWriteWait, cancellationToken) is [_, ..] behind)
                {
                    target.Broken("failed", $"the remote_write of {string.Join(", ", behind)} has not sent past {end:u} within {RemoteWriteWait.TotalSeconds:F0} s: samples stamped before it could still arrive after a deletion and bring the series back, so nothing was deleted",
                        $"fix: ./thebot doctor{StackOptions.StateFlags(location)} (is VictoriaMetrics receiving? PrometheusRemoteWriteBehind), then run cleanup again once the queue has caught up");
                    report.Fail($"{prefix}{target.Reason}", target.Fix);
                    return;
                }

                await store.PostAsync($"/api/v1/admin/tsdb/delete_series?{matches.TrimStart('&')}", cancellationToken);
            }
            else
            {
                await store.PostAsync($"/api/v1/admin/tsdb/delete_series?end={end.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}{matches}", cancellationToken);
                await store.PostAsync("/api/v1/admin/tsdb/clean_tombstones", cancellationToken);
            }

            left = await CountAsync(target, selectors, end, cancellationToken);
        }

        target.SeriesLeft = left;
        if (left == 0)
        {
            target.State = "deleted";
            report.Ok(target.WholeSeriesOnly
                ? $"{prefix}deleted (whole series); 0 matching series left before {end:u}"
                : $"{prefix}deleted; 0 matching series left before {end:u}; tombstones cleaned");
            return;
        }

        (target.State, target.Reason) = ("left", $"{left} matching series still have samples before {end:u} after two passes");
        target.Fix = target.WholeSeriesOnly
            ? "fix: run cleanup again; a replica's remote_write delivered samples stamped before the end time after each deletion"
            : "fix: run cleanup again; a scrape appended samples stamped before the end time twice in a row";
        report.Fail($"{prefix}{target.Reason}", target.Fix);
    }

    /// <summary>Matching series with samples at or before <paramref name="end"/> (after <paramref name="after"/> when given), summed over the selectors.</summary>
    private static async Task<int> CountAsync(CleanupTarget target, IReadOnlyList<string> selectors, DateTimeOffset end, CancellationToken cancellationToken, DateTimeOffset? after = null)
    {
        var store = new PrometheusClient(target.Url);
        var count = 0;
        foreach (var selector in selectors)
        {
            count += await store.CountSeriesWithSamplesAsync(selector, end, cancellationToken, uncached: target.WholeSeriesOnly, after);
        }

        return count;
    }

    /// <summary>Runs <paramref name="work"/> on one store; an admin call that fails marks that store failed and the others go on.</summary>
    private static async Task OnStoreAsync(CleanupTarget target, VerbReport report, string prefix, string fix, Func<Task> work, CancellationToken cancellationToken)
    {
        try
        {
            await work();
        }
        catch (Exception exception) when (StoreReachability.IsStoreFailure(exception, cancellationToken))
        {
            target.Broken("failed", exception.Message, fix);
            report.Fail($"cleanup failed{(prefix.Length > 0 ? " on " + target.Service : string.Empty)}: {exception.Message}", fix);
        }
    }
}
