using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Stack;

namespace TheBot.Cli.Stores;

/// <summary>
/// Whether a store the data verbs (<c>backup</c>, <c>cleanup</c>) act on — a Prometheus replica or VictoriaMetrics —
/// answers, asked once within <see cref="ReadinessProbe.ReportTimeout"/> before any admin call: a hung server (SIGSTOP)
/// still accepts connections and would hold the verb for the whole HTTP timeout of every call. When it does not
/// answer: why (stopped by a signal, running but not ready, not running) and the command that fixes it.
/// </summary>
internal static class StoreReachability
{
    /// <summary>
    /// Null when <paramref name="spec"/>'s readiness probe passes; otherwise the reason and a <c>fix:</c> line that
    /// ends with running <paramref name="verb"/> again on the same stack (joined with <c>&amp;&amp;</c>: copied as a whole it
    /// runs in a shell).
    /// </summary>
    public static async Task<(string Reason, string Fix)?> CheckAsync(StackLocation location, ProcessSpec spec, string verb, CancellationToken cancellationToken)
    {
        if (spec.Readiness is null || await spec.Readiness.CheckWithinAsync(ReadinessProbe.ReportTimeout, cancellationToken))
        {
            return null;
        }

        var flags = StackOptions.StateFlags(location);
        var again = $"&& ./thebot {verb}{flags}";
        var record = ComponentControl.Running(location.Paths, spec.Name);
        if (record is null)
        {
            return ($"{spec.Name} is not running", $"fix: ./thebot start {spec.Name}{flags} {again}");
        }

        return ProcessTree.Stopped(record.Identity) is [_, ..] stopped
            ? ($"{spec.Name} is stopped (pid {record.Pid}; SIGSTOP or a debugger) and answers nothing", $"fix: kill -CONT {string.Join(' ', stopped)} {again}")
            : ($"{spec.Name} runs (pid {record.Pid}) but is not ready within {ReadinessProbe.ReportTimeout.TotalSeconds:F0} s ({spec.Readiness.Description})",
                $"fix: see ./thebot status{flags} and {location.Paths.LogFile(spec.Name)}; then ./thebot restart {spec.Name}{flags} {again}");
    }

    /// <summary>
    /// True for what an admin call on a store fails with when the store, not the caller, is the problem: an HTTP or
    /// API error, an I/O error, or the HTTP timeout (a store that hung after the readiness check).
    /// </summary>
    public static bool IsStoreFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException or IOException or InvalidOperationException
        || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested);
}
