using System.Globalization;
using System.Runtime.InteropServices;

namespace TheBot.Stack;

/// <summary>
/// A process identified by pid and kernel start time, so a recycled pid is never mistaken for the process
/// it once named.
/// </summary>
/// <param name="Pid">Process id.</param>
/// <param name="StartTime">Start time in clock ticks since boot (field 22 of <c>/proc/&lt;pid&gt;/stat</c>).</param>
public readonly record struct ProcessIdentity(int Pid, long StartTime);

/// <summary>
/// Linux process-tree helpers over <c>/proc</c>: who descends from whom, who is alive, and killing a whole
/// tree so nothing is orphaned.
/// </summary>
public static partial class ProcessTree
{
    private readonly record struct StatLine(int Pid, string Name, int ParentPid, int Session, char State, long StartTime);

    /// <summary>The identity of a running (not zombie) process, or null when there is none with that pid.</summary>
    public static ProcessIdentity? Identify(int pid) =>
        ReadStat(pid) is { } stat && IsLiveState(stat.State) ? new ProcessIdentity(pid, stat.StartTime) : null;

    /// <summary>
    /// True when the process exists, has the same start time and still runs: its main thread is not a zombie, or
    /// another of its threads is still exiting (the sockets and files it holds close only when the last one is done).
    /// </summary>
    public static bool IsAlive(ProcessIdentity process) =>
        ReadStat(process.Pid) is { } stat && stat.StartTime == process.StartTime && (IsLiveState(stat.State) || HasLiveThread(process.Pid));

    /// <summary>
    /// Every live (not zombie) process on the machine with its program name (<c>comm</c>, at most 15 characters): the
    /// one walk over <c>/proc</c>, shared by the tree helpers here and by whoever looks for processes by name.
    /// </summary>
    public static IReadOnlyList<(ProcessIdentity Process, string Name)> Running() =>
        [.. ReadAll().Where(s => IsLiveState(s.State)).Select(s => (new ProcessIdentity(s.Pid, s.StartTime), s.Name))];

    /// <summary>The command line of a process (arguments joined by spaces), or null when it is gone.</summary>
    public static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The live processes of the tree rooted at <paramref name="root"/>: the root, its descendants, and every
    /// process still in the root's session (those survive when a middle process died and they were re-parented).
    /// </summary>
    public static IReadOnlyList<ProcessIdentity> Snapshot(ProcessIdentity root)
    {
        var all = ReadAll();
        var children = all.ToLookup(p => p.ParentPid);
        var found = new Dictionary<int, ProcessIdentity>();
        var rootAlive = all.Any(p => p.Pid == root.Pid && p.StartTime == root.StartTime);
        if (rootAlive)
        {
            var queue = new Queue<int>([root.Pid]);
            while (queue.TryDequeue(out var pid))
            {
                foreach (var child in children[pid])
                {
                    if (found.TryAdd(child.Pid, new ProcessIdentity(child.Pid, child.StartTime)))
                    {
                        queue.Enqueue(child.Pid);
                    }
                }
            }

            found[root.Pid] = root;
        }

        foreach (var p in all.Where(p => p.Session == root.Pid && p.StartTime >= root.StartTime))
        {
            found.TryAdd(p.Pid, new ProcessIdentity(p.Pid, p.StartTime));
        }

        return [.. found.Values.Where(p => all.Any(s => s.Pid == p.Pid && IsLiveState(s.State)))];
    }

    /// <summary>
    /// The pids of <paramref name="root"/>'s tree that are stopped (state <c>T</c>: SIGSTOP, SIGTSTP; <c>t</c>: a
    /// debugger), in pid order; empty when none is. A stopped server keeps its port open and never answers, which a
    /// readiness probe alone reports only as "not ready".
    /// </summary>
    public static IReadOnlyList<int> Stopped(ProcessIdentity root) =>
        [.. Snapshot(root).Where(p => ReadStat(p.Pid) is { State: 'T' or 't' } stat && stat.StartTime == p.StartTime).Select(p => p.Pid).Order()];

    /// <summary>Sends <paramref name="signal"/> to the process if it is still the same process.</summary>
    public static void Signal(ProcessIdentity process, ProcessSignal signal)
    {
        if (IsAlive(process))
        {
            _ = SysKill(process.Pid, (int)signal);
        }
    }

    /// <summary>
    /// Stops the whole tree of <paramref name="root"/>: sends <paramref name="signal"/> to the root and waits up to
    /// <paramref name="grace"/> for it to exit, then kills it; whatever of the tree is still alive afterwards gets
    /// SIGTERM, and SIGKILL a second later. Returns every process that belonged to the tree, all of them gone (and
    /// reaped, within 10 s).
    /// </summary>
    public static async Task<IReadOnlyList<ProcessIdentity>> KillTreeAsync(
        ProcessIdentity root, ProcessSignal signal, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var members = new HashSet<ProcessIdentity>(Snapshot(root));
        Signal(root, signal);
        var deadline = DateTime.UtcNow + grace;
        while (IsAlive(root) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken);
            members.UnionWith(Snapshot(root));
        }

        members.UnionWith(Snapshot(root));
        Signal(root, ProcessSignal.Kill);
        members.UnionWith(Snapshot(root));

        var survivors = members.Where(IsAlive).ToList();
        survivors.ForEach(p => Signal(p, ProcessSignal.Terminate));
        if (!await WaitGoneAsync(survivors, TimeSpan.FromSeconds(1), cancellationToken))
        {
            survivors.ForEach(p => Signal(p, ProcessSignal.Kill));
            if (!await WaitGoneAsync(members, TimeSpan.FromSeconds(5), cancellationToken))
            {
                var left = string.Join(", ", members.Where(IsAlive).Select(p => p.Pid));
                throw new InvalidOperationException($"processes {left} of the tree of pid {root.Pid} survived SIGKILL");
            }
        }

        // Dead is not yet gone: a member whose parent died first stays a zombie until init reaps it (seen here: about
        // 2 s), and a zombie's pid still answers kill(pid, 0). PostgreSQL's lock-file check takes such a pid for a
        // running postmaster and refuses to start ("lock file postmaster.pid already exists"), so a restart right
        // after stopping a hung server failed. Bounded: a zombie nobody reaps holds no port or file.
        await WaitReapedAsync(members, TimeSpan.FromSeconds(10), cancellationToken);
        return [.. members];
    }

    /// <summary>Waits until none of <paramref name="processes"/> is alive; false when <paramref name="timeout"/> passed first.</summary>
    public static Task<bool> WaitGoneAsync(IEnumerable<ProcessIdentity> processes, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitNoneAsync(processes, IsAlive, timeout, cancellationToken);

    /// <summary>
    /// Waits until none of <paramref name="processes"/> has a <c>/proc</c> entry left, zombies included; false when
    /// <paramref name="timeout"/> passed first.
    /// </summary>
    private static Task<bool> WaitReapedAsync(IEnumerable<ProcessIdentity> processes, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitNoneAsync(processes, p => ReadStat(p.Pid) is { } stat && stat.StartTime == p.StartTime, timeout, cancellationToken);

    private static async Task<bool> WaitNoneAsync(IEnumerable<ProcessIdentity> processes, Func<ProcessIdentity, bool> holds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var list = processes.ToList();
        var deadline = DateTime.UtcNow + timeout;
        while (list.Any(holds))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(25, cancellationToken);
        }

        return true;
    }

    private static bool IsLiveState(char state) => state is not ('Z' or 'X' or 'x');

    // A multi-threaded process whose main thread has exited shows as a zombie while its other threads are still
    // tearing down; only when none is left are its listening sockets closed.
    private static bool HasLiveThread(int pid)
    {
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                if (ReadStatFile(Path.Combine(task, "stat")) is { } stat && IsLiveState(stat.Fields[0][0]))
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return false;
    }

    private static List<StatLine> ReadAll()
    {
        var list = new List<StatLine>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ReadStat(pid) is { } stat)
            {
                list.Add(stat);
            }
        }

        return list;
    }

    private static StatLine? ReadStat(int pid)
    {
        if (ReadStatFile($"/proc/{pid}/stat") is not ({ } name, { } fields))
        {
            return null;
        }

        return new StatLine(
            pid,
            name,
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            int.Parse(fields[3], CultureInfo.InvariantCulture),
            fields[0][0],
            long.Parse(fields[19], CultureInfo.InvariantCulture));
    }

    // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses, so split after the last ')'.
    private static (string Name, string[] Fields)? ReadStatFile(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            var open = text.IndexOf('(');
            var close = text.LastIndexOf(')');
            return (text[(open + 1)..close], text[(close + 2)..].Split(' '));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
