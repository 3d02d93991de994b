using TheBot.Stack;

namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>
/// One service of the stack runs from its pid file and passes its readiness probe; when it does not run, whether
/// another program holds its port; when it runs but is stopped (SIGSTOP), which pids to resume; when a service it
/// depends on is stopped or not running, that one is the fix.
/// </summary>
internal sealed class ServiceReadyCheck(DoctorContext context, ProcessSpec spec, IReadOnlyDictionary<string, PidRecord> pids,
    IReadOnlyDictionary<string, UnreadablePidFile>? unreadable = null) : IDoctorCheck
{
    private readonly int _port = spec.Ports.Values.First();

    /// <summary>
    /// The pids of this service's tree that are stopped (empty when none is, or when it does not run), read from /proc
    /// once: the probe's detail and the fix, which doctor asks for after it, name the same pids.
    /// </summary>
    private readonly Lazy<IReadOnlyList<int>> _stopped = new(() =>
        pids.TryGetValue(spec.Name, out var record) && record.IsRunning ? ProcessTree.Stopped(record.Identity) : []);

    /// <summary>The first service this one depends on whose process is stopped or not running, found once (<see cref="FindBlockingDependency"/>).</summary>
    private readonly Lazy<(string Name, string State)?> _blockingDependency = new(() => FindBlockingDependency(spec, pids));

    /// <summary>One check per process of the stack, in start order, all reading the pid files as they were once.</summary>
    public static IEnumerable<IDoctorCheck> ForEachService(DoctorContext context)
    {
        var pids = ProcessSupervisor.ReadPidFiles(context.Location.Paths, out var unreadable).ToDictionary(r => r.Name);
        var unreadableByService = unreadable.ToDictionary(f => f.Service);
        return context.Stack.Specs().Select(spec => new ServiceReadyCheck(context, spec, pids, unreadableByService));
    }

    public string Name => $"{spec.Name} running and ready on 127.0.0.1:{_port}";

    /// <summary>
    /// The one command that fixes it: the whole stack when none of it runs; a stopped process resumed; the dependency
    /// that is stopped or down (restarting this one would not help); else this component alone (the rest keeps
    /// running; <c>up</c> would refuse a stack that already runs).
    /// </summary>
    public string Fix
    {
        get
        {
            if (!pids.Values.Any(record => record.IsRunning))
            {
                return $"start the stack: ./thebot up --detach{context.Flags}";
            }

            if (_stopped.Value is [_, ..] stopped)
            {
                return $"resume it: kill -CONT {string.Join(' ', stopped)} (or restart it: ./thebot restart {spec.Name}{context.Flags})";
            }

            if (_blockingDependency.Value is { } dependency)
            {
                return $"it waits on {dependency.Name}, which is {dependency.State}: fix {dependency.Name} first (its own check above says how)";
            }

            return pids.TryGetValue(spec.Name, out var record) && record.IsRunning
                ? $"see {context.Location.Paths.LogFile(spec.Name)}; restart it: ./thebot restart {spec.Name}{context.Flags}"
                : $"start it: ./thebot start {spec.Name}{context.Flags}";
        }
    }

    public async Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var running = pids.TryGetValue(spec.Name, out var record) && record.IsRunning;
        if (!running)
        {
            // An unreadable pid file counts as no process recorded; it is named, since it may be why the process looks gone.
            var file = unreadable is not null && unreadable.TryGetValue(spec.Name, out var broken) ? $" ({broken.Describe()}: rm it)" : string.Empty;
            return (false, (Ports.IsFree(_port) ? "not running" : $"not started by this stack, but port {_port} is taken by another program") + file);
        }

        // Bounded as in status: a frozen Redis accepts the connection and never answers PING (doctor waited forever).
        var ready = spec.Readiness is null || await spec.Readiness.CheckWithinAsync(ReadinessProbe.ReportTimeout, cancellationToken);
        if (ready)
        {
            return (true, $"pid {record!.Pid}, {spec.Readiness?.Description}");
        }

        return (false, _stopped.Value is [_, ..] stopped
            ? $"pid {record!.Pid} is stopped (state T, SIGSTOP or a debugger: pids {string.Join(", ", stopped)}), so it answers nothing"
            : $"pid {record!.Pid} runs but is not ready (expected: {spec.Readiness!.Description})"
                + (_blockingDependency.Value is { } dependency ? $"; it depends on {dependency.Name}, which is {dependency.State}" : ""));
    }

    /// <summary>The first service <paramref name="spec"/> depends on whose process is stopped or not running (cheap: /proc only, no probe).</summary>
    private static (string Name, string State)? FindBlockingDependency(ProcessSpec spec, IReadOnlyDictionary<string, PidRecord> pids)
    {
        foreach (var name in spec.DependsOn)
        {
            if (!pids.TryGetValue(name, out var dependency) || !dependency.IsRunning)
            {
                return (name, "not running");
            }

            if (ProcessTree.Stopped(dependency.Identity) is [_, ..])
            {
                return (name, "stopped (SIGSTOP)");
            }
        }

        return null;
    }
}
