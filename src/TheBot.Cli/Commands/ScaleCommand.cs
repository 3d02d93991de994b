using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot scale backend=N</c>: sets how many backend instances a running HA stack has
/// (<see cref="BackendScaling"/>). Prometheus discovers the change through its file_sd file and the frontend through
/// its destinations file; neither restarts.
/// </summary>
internal static partial class ScaleCommand
{
    /// <summary>Exit code of input that names no valid scaling (unknown component, count out of range, bad syntax).</summary>
    public const int BadInput = 2;

    private const string ExitCodes = " Exit codes: 0 done; 1 it failed (no HA stack running, an instance not ready in time; the reason is printed); 2 bad input.";

    public static Command Create()
    {
        var request = new Argument<string>("COMPONENT=N")
        {
            Description = $"backend=N: N backend instances (1-{StackTopology.MaxBackends}); backend keeps its port, backend-2, backend-3… take the next ones",
        };
        var command = StackOptions.Create("scale", "Start or stop backend instances of a running HA stack (up --topology ha); Prometheus and the frontend follow without a restart." + ExitCodes);
        command.Arguments.Add(request);
        VerbReport.AddJsonOption(command);
        command.SetAction(async (result, ct) =>
        {
            var report = VerbReport.For(result);
            return await report.EndAsync(await RunAsync(StackOptions.Location(result), result.GetValue(request)!, report, ct));
        });
        return command;
    }

    /// <summary>Runs the verb; returns the exit code.</summary>
    public static Task<int> RunAsync(StackLocation location, string request, TextWriter output, CancellationToken cancellationToken) =>
        RunAsync(location, request, new VerbReport("scale", output, json: false), cancellationToken);

    private static async Task<int> RunAsync(StackLocation location, string request, VerbReport report, CancellationToken cancellationToken)
    {
        if (Parse(request, out var count) is { } error)
        {
            report.Fail(error);
            return BadInput;
        }

        if (BackendScaling.WhyNot(location) is { } reason)
        {
            report.Fail($"{reason}{StackOptions.StateFlags(location)}");
            return 1;
        }

        try
        {
            await using var step = Spinner.Start(report.Progress, $"scaling the backend to {count} instance(s)");
            var outcome = await BackendScaling.ScaleAsync(location, count, StackOptions.RunningStackPortHint(location), cancellationToken);
            var changes = outcome.Started.Select(n => $"started {n}").Concat(outcome.Stopped.Select(n => $"stopped {n}")).ToList();
            await step.ClearAsync();
            report.Ok($"backend: {count} instance(s)" + (changes.Count == 0 ? " (already)" : $"; {string.Join(", ", changes)}")
                + "; Prometheus (file_sd) and the frontend re-read their target lists, neither restarted");
            report.Set("backends", count);
            report.Set("started", outcome.Started);
            report.Set("stopped", outcome.Stopped);
            return 0;
        }
        catch (StackStartException exception)
        {
            report.Progress.WriteLine();
            report.Fail(exception.Message, $"nothing published; see ./thebot status{StackOptions.StateFlags(location)}");
            return 1;
        }
    }

    /// <summary>The instance count of <c>backend=N</c>, or the error to print.</summary>
    public static string? Parse(string request, out int count)
    {
        count = 0;
        var match = Request().Match(request);
        if (!match.Success)
        {
            return $"'{request}' is not COMPONENT=N (e.g. backend=3)";
        }

        if (match.Groups["component"].Value != ServiceNames.Backend)
        {
            return $"only the backend scales (backend=N); '{match.Groups["component"].Value}' has a fixed number of instances in the HA topology";
        }

        if (!int.TryParse(match.Groups["count"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > StackTopology.MaxBackends)
        {
            return $"backend={match.Groups["count"].Value} is out of range: 1 to {StackTopology.MaxBackends} instances";
        }

        return null;
    }

    [GeneratedRegex(@"^(?<component>[a-z_][a-z0-9_-]{0,40})=(?<count>[0-9]{1,6})$")]
    private static partial Regex Request();
}
