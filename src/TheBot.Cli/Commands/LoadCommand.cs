using System.CommandLine;
using TheBot.Cli.Load;
using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot load --duration 60s --rps 50 --error-share 0.02</c>: realistic platform traffic (setup of users,
/// courses and assignments, then cached and uncached reads, submissions of every outcome, payments with declines and
/// failures, chat over REST and WebSockets, jobs, frontend pages), paced open-loop at the requested rate, with a live
/// progress line and a summary table. Loopback only, bounded in count (rps × duration) and time (duration + drain).
/// </summary>
internal static class LoadCommand
{
    /// <summary>Exit code of unusable flags (each problem is printed).</summary>
    public const int BadInput = 2;

    public static Command Create()
    {
        var duration = new Option<string>("--duration") { Description = "How long to send: 60s, 5m, 1h (1s to 1h)", DefaultValueFactory = _ => "60s" };
        var rps = new Option<int>("--rps") { Description = $"Requests started per second, open loop ({LoadSettings.MinRps} to {LoadSettings.MaxRps})", DefaultValueFactory = _ => 50 };
        var errorShare = new Option<double>("--error-share") { Description = $"Share of requests made to fail server-side (5xx), 0 to 1: failed payments, and one in {LoadSettings.ExceptionEvery} an unhandled exception", DefaultValueFactory = _ => 0.02 };
        var baseUrl = new Option<string?>("--base-url") { Description = "Backend to load instead of the local stack's (loopback only; frontend traffic is then left out)" };
        var seed = new Option<int?>("--seed") { Description = "Seed of the traffic mix, to repeat a run" };
        var command = StackOptions.Create("load", "Generate realistic platform traffic so dashboards and alerts have data. Exit codes: 0 done; 1 setup failed or over 1% of requests got an answer the platform should not give; 2 bad input; 130 interrupted.");
        command.Options.Add(duration);
        command.Options.Add(rps);
        command.Options.Add(errorShare);
        command.Options.Add(baseUrl);
        command.Options.Add(seed);
        VerbReport.AddJsonOption(command);
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var report = VerbReport.For(result);
            var (settings, errors) = Settings(location, result.GetValue(duration)!, result.GetValue(rps), result.GetValue(errorShare), result.GetValue(baseUrl), result.GetValue(seed));
            if (settings is null)
            {
                foreach (var error in errors)
                {
                    if (report.Json)
                    {
                        report.Fail(error);
                    }
                    else
                    {
                        result.InvocationConfiguration.Error.WriteLine($"thebot load: {error}");
                    }
                }

                return await report.EndAsync(BadInput);
            }

            return await report.EndAsync((await RunAsync(location, settings, report, ct)).Exit);
        });
        return command;
    }

    /// <summary>Validated settings for the stack at <paramref name="location"/> (its backend and frontend unless <paramref name="baseUrl"/> is given).</summary>
    public static (LoadSettings? Settings, IReadOnlyList<string> Errors) Settings(
        StackLocation location, string duration, int rps, double errorShare, string? baseUrl = null, int? seed = null) =>
        LoadSettings.Parse(duration, rps, errorShare, baseUrl, new Uri(location.Url(ServiceNames.Backend)), new Uri(location.Url(ServiceNames.Frontend)), seed, AdminToken(location));

    /// <summary>The stack's admin token when it has one (read, never created: load does not change the stack).</summary>
    private static string? AdminToken(StackLocation location)
    {
        var file = location.Paths.SecretFile(SecretNames.AdminToken);
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }

    /// <summary>Runs the load and prints progress and the summary; exit 0 unless setup failed or over 1% of requests got an unplanned answer.</summary>
    public static Task<(int Exit, LoadResult? Result)> RunAsync(StackLocation location, LoadSettings settings, TextWriter output, CancellationToken cancellationToken) =>
        RunAsync(location, settings, new VerbReport("load", output, json: false), cancellationToken);

    private static async Task<(int Exit, LoadResult? Result)> RunAsync(StackLocation location, LoadSettings settings, VerbReport report, CancellationToken cancellationToken)
    {
        var output = report.Progress;
        var interactive = TerminalText.IsTerminal(output);
        report.Info($"… load on {settings.BackendUrl}{(settings.FrontendUrl is { } f ? $" and {f}" : string.Empty)}: {settings.RequestsPerSecond}/s for {settings.Duration.TotalSeconds:F0} s, {LoadReport.Percent(settings.ErrorShare)} deliberate 5xx; setting up users, courses and assignments");
        LoadResult result;
        try
        {
            result = await new LoadGenerator(settings, output, interactive).RunAsync(cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            report.Fail($"the platform did not answer as expected: {exception.Message}",
                $"fix: start the stack with ./thebot up --detach{StackOptions.StateFlags(location)}, then ./thebot doctor{StackOptions.StateFlags(location)}");
            return (1, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.WriteLine();
            report.Info("… interrupted");
            return (130, null);
        }

        LoadReport.Print(output, result);
        report.Set("summary", LoadReport.ToJson(result));
        var unexpectedShare = result.Samples.Count == 0 ? 1 : (double)result.Unexpected / result.Samples.Count;
        if (result.Samples.Count == 0 || unexpectedShare > 0.01)
        {
            report.Fail($"{result.Unexpected} of {result.Samples.Count} requests got an answer the platform should not give ({LoadReport.Percent(unexpectedShare)}); read {location.Paths.LogFile(ServiceNames.Backend)} and ./thebot doctor{StackOptions.StateFlags(location)}");
            return (1, result);
        }

        report.Ok($"load done: {result.Samples.Count} requests at {result.AchievedRps:F1}/s");
        return (0, result);
    }
}
