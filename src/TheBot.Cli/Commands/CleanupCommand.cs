using System.CommandLine;
using System.Globalization;
using TheBot.Cli.Clients;
using TheBot.Cli.Config;
using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot cleanup --match SELECTOR --older-than 30d</c>: counts what would go (dry run first), then
/// delete_series and clean_tombstones through the admin API.
/// </summary>
internal static class CleanupCommand
{
    /// <summary>Exit code of an unusable --older-than.</summary>
    public const int BadInput = 2;

    public static Command Create()
    {
        var match = new Option<string[]>("--match") { Description = "Series selector, e.g. 'thebot_http_requests_total{job=\"thebot-backend\"}' (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var olderThan = new Option<string>("--older-than") { Description = "Delete samples older than this: 30d, 12h, 90m, 0s (everything)", DefaultValueFactory = _ => "30d" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only count the series that would be touched" };
        var command = StackOptions.Create("cleanup", "Delete series by selector and age, then clean tombstones. Exit codes: 0 done (or counted, with --dry-run); 1 it failed or series are left (the reason is printed); 2 bad input.");
        command.Options.Add(match);
        command.Options.Add(olderThan);
        command.Options.Add(dryRun);
        VerbReport.AddJsonOption(command);
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var report = VerbReport.For(result);
            if (!PrometheusDuration.TryParse(result.GetValue(olderThan), out var age, out _))
            {
                report.Fail($"--older-than '{result.GetValue(olderThan)}' is not a duration like 30d, 12h, 90m or 0s");
                return await report.EndAsync(BadInput);
            }

            try
            {
                return await report.EndAsync(await RunAsync(location, result.GetValue(match)!, age, result.GetValue(dryRun), report, ct));
            }
            catch (HttpRequestException exception)
            {
                report.Fail($"cleanup failed: {exception.Message}",
                    $"fix: a bad selector is named above; else check Prometheus runs with --web.enable-admin-api (./thebot status{StackOptions.StateFlags(location)})");
                return await report.EndAsync(1);
            }
        });
        return command;
    }

    /// <summary>Runs the cleanup, printing to <paramref name="output"/>; returns the exit code.</summary>
    public static Task<int> RunAsync(StackLocation location, IReadOnlyList<string> selectors, TimeSpan age, bool dryRun, TextWriter output, CancellationToken cancellationToken) =>
        RunAsync(location, selectors, age, dryRun, new VerbReport("cleanup", output, json: false), cancellationToken);

    private static async Task<int> RunAsync(StackLocation location, IReadOnlyList<string> selectors, TimeSpan age, bool dryRun, VerbReport report, CancellationToken cancellationToken)
    {
        var prometheus = new PrometheusClient(location.Url(ServiceNames.Prometheus));
        // Whole seconds: delete_series takes a Unix time, and the count below must look at exactly the same range.
        var end = DateTimeOffset.FromUnixTimeSeconds((DateTimeOffset.UtcNow - age).ToUnixTimeSeconds());
        var matches = string.Concat(selectors.Select(s => "&match[]=" + Uri.EscapeDataString(s)));
        var counts = new List<int>();
        foreach (var selector in selectors)
        {
            counts.Add(await prometheus.CountSeriesWithSamplesAsync(selector, end, cancellationToken));
        }

        report.Info($"{(dryRun ? "dry run: " : string.Empty)}{counts.Sum()} series have samples older than {end:u} matching {string.Join(" or ", selectors)}");
        report.Set("dry_run", dryRun);
        report.Set("end", end.ToString("u", CultureInfo.InvariantCulture));
        report.Set("matching_series", counts.Sum());
        if (dryRun)
        {
            return 0;
        }

        var left = 0;
        // A scrape already in flight when the deletion runs can still append a sample stamped before `end`: one more
        // pass removes it (deleting is idempotent).
        for (var pass = 0; pass < 2 && (pass == 0 || left > 0); pass++)
        {
            await prometheus.PostAsync($"/api/v1/admin/tsdb/delete_series?end={end.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}{matches}", cancellationToken);
            await prometheus.PostAsync("/api/v1/admin/tsdb/clean_tombstones", cancellationToken);
            left = 0;
            foreach (var selector in selectors)
            {
                left += await prometheus.CountSeriesWithSamplesAsync(selector, end, cancellationToken);
            }
        }

        report.Set("series_left", left);
        if (left == 0)
        {
            report.Ok($"deleted; 0 matching series left before {end:u}; tombstones cleaned");
            return 0;
        }

        report.Fail($"{left} matching series still have samples before {end:u} after two passes", "fix: run cleanup again; a scrape appended samples stamped before the end time twice in a row");
        return 1;
    }
}
