namespace TheBot.Stack;

/// <summary>
/// Some processes of the stack could not be stopped cleanly (a tree that survived SIGKILL, a pid file that could not
/// be deleted); the others were stopped all the same.
/// </summary>
public sealed class StackStopException(IReadOnlyList<string> failures)
    : Exception("could not stop everything: " + string.Join("; ", failures))
{
    /// <summary>One line per process that failed to stop: its name and what went wrong.</summary>
    public IReadOnlyList<string> Failures { get; } = failures;
}
