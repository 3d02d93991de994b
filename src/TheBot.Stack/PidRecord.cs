using System.Diagnostics;
using System.Text.Json;

namespace TheBot.Stack;

/// <summary>What a pid file records about a running process, enough for <c>down</c> to stop it later.</summary>
/// <param name="Name">Spec name.</param>
/// <param name="Pid">Pid of the root of the process tree.</param>
/// <param name="StartTime">Kernel start time of that pid (guards against pid reuse).</param>
/// <param name="Executable">The spec's executable; its file name must appear in <c>/proc/&lt;pid&gt;/cmdline</c>.</param>
/// <param name="StartedAt">When it started; <c>down</c> stops the newest first.</param>
/// <param name="StopSignal">Signal for a clean shutdown.</param>
/// <param name="StopGraceSeconds">Seconds a clean shutdown may take.</param>
public sealed record PidRecord(
    string Name, int Pid, long StartTime, string Executable, DateTimeOffset StartedAt, ProcessSignal StopSignal, double StopGraceSeconds)
{
    /// <summary>The process this record names.</summary>
    public ProcessIdentity Identity => new(Pid, StartTime);

    /// <summary>
    /// True when the pid is alive, is the same process (start time) and still runs the expected executable
    /// (checked in <c>/proc/&lt;pid&gt;/cmdline</c>); false means the record is stale. An empty command line of a live
    /// process with the recorded start time counts as running: the kernel shows it empty while the process is inside
    /// execve, which the start wrapper does twice right after its start (a fast-loop run read it there and called a
    /// just-started process stale).
    /// </summary>
    public bool IsRunning => ProcessTree.IsAlive(Identity)
        && ProcessTree.CommandLine(Pid) is { } commandLine
        && (commandLine.Length == 0 || commandLine.Contains(Path.GetFileName(Executable), StringComparison.Ordinal));
}
