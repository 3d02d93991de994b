using System.CommandLine;
using System.Globalization;
using TheBot.Cli.Clients;
using TheBot.Cli.Config;
using TheBot.Cli.Stack;
using TheBot.Cli.Options;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot cleanup --match SELECTOR --older-than 30d</c>: counts what would go (dry run first), then
/// delete_series and clean_tombstones through the admin API.
/// </summary>
internal static class CleanupCommand
{
    public static Command Create()
    {
        var match = new Option<string[]>("--match") { Description = "Series selector, e.g. 'thebot_http_requests_total{job=\"thebot-backend\"}' (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var olderThan = new Option<string>("--older-than") { Description = "Delete samples older than this: 30d, 12h, 90m, 0s (everything)", DefaultValueFactory = _ => "30d" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only count the series that would be touched" };
        var command = StackOptions.Create("cleanup", "Delete series by selector and age, then clean tombstones.");
        command.Options.Add(match);
        command.Options.Add(olderThan);
        command.Options.Add(dryRun);
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            if (!PrometheusDuration.TryParse(result.GetValue(olderThan), out var age, out _))
            {
                Console.WriteLine($"✗ --older-than '{result.GetValue(olderThan)}' is not a duration like 30d, 12h, 90m or 0s");
                return 2;
            }

            try
            {
                return await RunAsync(location, result.GetValue(match)!, age, result.GetValue(dryRun), Console.Out, ct);
            }
            catch (HttpRequestException exception)
            {
                Console.WriteLine($"✗ cleanup failed: {exception.Message}");
                Console.WriteLine($"    fix: a bad selector is named above; else check Prometheus runs with --web.enable-admin-api (./thebot status{StackOptions.StateFlags(location)})");
                return 1;
            }
        });
        return command;
    }

    public static async Task<int> RunAsync(StackLocation location, IReadOnlyList<string> selectors, TimeSpan age, bool dryRun, TextWriter output, CancellationToken cancellationToken)
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

        output.WriteLine($"{(dryRun ? "dry run: " : string.Empty)}{counts.Sum()} series have samples older than {end:u} matching {string.Join(" or ", selectors)}");
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

        output.WriteLine($"✓ deleted; {left} matching series left before {end:u}; tombstones cleaned");
        return left == 0 ? 0 : 1;
    }
}
