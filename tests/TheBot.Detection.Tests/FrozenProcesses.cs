using TheBot.Stack;

namespace TheBot.Detection.Tests;

/// <summary>
/// A hang made on a real service: SIGSTOP of the process its pid file names (and, for a whole tree, of every
/// descendant), which keeps its sockets open and its port accepting connections into the backlog while nothing
/// answers — what a hung server looks like from outside. Disposing sends SIGCONT to every process it stopped; callers
/// dispose in a <c>finally</c>, so a failed scenario never leaves a frozen service behind.
/// </summary>
internal sealed class FrozenProcesses : IAsyncDisposable
{
    private readonly List<ProcessIdentity> _stopped;
    private int _resumed;

    private FrozenProcesses(string service, List<ProcessIdentity> stopped)
    {
        Service = service;
        _stopped = stopped;
        FrozenAt = DateTimeOffset.UtcNow;
    }

    public string Service { get; }

    public DateTimeOffset FrozenAt { get; }

    /// <summary>When SIGCONT was sent; null while frozen.</summary>
    public DateTimeOffset? ResumedAt { get; private set; }

    /// <summary>Every process stopped (root first).</summary>
    public IReadOnlyList<ProcessIdentity> Stopped => _stopped;

    /// <summary>
    /// Stops <paramref name="service"/>'s root process, then (with <paramref name="wholeTree"/>) its descendants. The
    /// root goes first: a stopped PostgreSQL postmaster forks no new backend while its children are being stopped.
    /// </summary>
    public static FrozenProcesses Freeze(StackPaths paths, string service, bool wholeTree)
    {
        var record = ProcessSupervisor.ReadPidFiles(paths).SingleOrDefault(r => r.Name == service && r.IsRunning)
                     ?? throw new InvalidOperationException($"{service} is not running (no live pid file)");
        var stopped = new List<ProcessIdentity> { record.Identity };
        ProcessTree.Signal(record.Identity, ProcessSignal.Stop);
        if (wholeTree)
        {
            foreach (var child in ProcessTree.Snapshot(record.Identity).Where(p => p != record.Identity))
            {
                ProcessTree.Signal(child, ProcessSignal.Stop);
                stopped.Add(child);
            }
        }

        var frozen = new FrozenProcesses(service, stopped);
        var running = stopped.Where(p => State(p.Pid) is not ('T' or 't')).ToList();
        if (running.Count > 0)
        {
            // Stopping is asynchronous in the kernel but takes microseconds; a process not stopped now was not signalled.
            Thread.Sleep(50);
            if (running.Any(p => State(p.Pid) is not ('T' or 't')))
            {
                frozen.Resume();
                throw new InvalidOperationException($"SIGSTOP did not stop {service}: pids {string.Join(", ", running.Select(p => p.Pid))}");
            }
        }

        return frozen;
    }

    /// <summary>SIGCONT to every stopped process (descendants first, the root last), once.</summary>
    public void Resume()
    {
        if (Interlocked.Exchange(ref _resumed, 1) == 1)
        {
            return;
        }

        for (var i = _stopped.Count - 1; i >= 0; i--)
        {
            ProcessTree.Signal(_stopped[i], ProcessSignal.Continue);
        }

        ResumedAt = DateTimeOffset.UtcNow;
    }

    public ValueTask DisposeAsync()
    {
        Resume();
        return ValueTask.CompletedTask;
    }

    /// <summary>The scheduler state letter of <c>/proc/&lt;pid&gt;/stat</c> (<c>T</c> = stopped), or a space when the process is gone.</summary>
    private static char State(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[text.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return ' ';
        }
    }
}
