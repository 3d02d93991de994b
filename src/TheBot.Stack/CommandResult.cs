using System.Diagnostics;

namespace TheBot.Stack;

/// <summary>Outcome of a finished (or timed-out) command.</summary>
/// <param name="ExitCode">Exit code; -1 when the command timed out and was killed.</param>
/// <param name="StandardOutput">Everything written to stdout.</param>
/// <param name="StandardError">Everything written to stderr.</param>
/// <param name="TimedOut">True when the command ran past its timeout and was killed.</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    /// <summary>Exit code 0 and no timeout.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>Throws with the command's output when it did not succeed; returns itself otherwise.</summary>
    public CommandResult EnsureSuccess(string what) => Succeeded
        ? this
        : throw new InvalidOperationException(
            $"{what} {(TimedOut ? "timed out" : $"exited with code {ExitCode}")}\nstdout: {StandardOutput.Trim()}\nstderr: {StandardError.Trim()}");
}
