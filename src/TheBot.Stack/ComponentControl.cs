namespace TheBot.Stack;

/// <summary>
/// Stops and starts one process of a detached stack from its pid file and its spec, without touching the others:
/// the shared piece behind <c>./thebot stop|start|restart COMPONENT</c>. Starting goes through
/// <see cref="ProcessSupervisor"/> (same binary, port and readiness checks as <c>up</c>) and then lets the process run on.
/// </summary>
public static class ComponentControl
{
    /// <summary>The pid record of <paramref name="name"/> when its process runs, else null.</summary>
    public static PidRecord? Running(StackPaths paths, string name) =>
        ProcessSupervisor.ReadPidFiles(paths).FirstOrDefault(r => r.Name == name && r.IsRunning);

    /// <summary>
    /// Stops <paramref name="name"/> and its whole tree with its own stop signal and grace, and deletes its pid file;
    /// returns the record that was stopped, or null when it was not running (a stale pid file is deleted too).
    /// </summary>
    public static async Task<PidRecord?> StopAsync(StackPaths paths, string name, CancellationToken cancellationToken = default)
    {
        var record = ProcessSupervisor.ReadPidFiles(paths).FirstOrDefault(r => r.Name == name);
        if (record is null)
        {
            return null;
        }

        var running = record.IsRunning;
        if (running)
        {
            await ProcessTree.KillTreeAsync(record.Identity, record.StopSignal, TimeSpan.FromSeconds(record.StopGraceSeconds), cancellationToken);
        }

        File.Delete(paths.PidFile(name));
        return running ? record : null;
    }

    /// <summary>
    /// Starts <paramref name="spec"/>, waits for its readiness probe and leaves it running after this call (like
    /// <c>up --detach</c>). Its dependencies must already run (their pid files say so): a component is started into
    /// a stack, never a stack around a component. Throws <see cref="StackStartException"/> (dependency missing,
    /// already running, port busy, not ready in time) and leaves nothing behind then.
    /// </summary>
    public static async Task<PidRecord> StartAsync(StackPaths paths, ProcessSpec spec, string portOverrideHint, CancellationToken cancellationToken = default)
    {
        if (Running(paths, spec.Name) is { } already)
        {
            throw new StackStartException(spec.Name, $"{spec.Name} is already running (pid {already.Pid})");
        }

        var missing = spec.DependsOn.Where(d => Running(paths, d) is null).ToList();
        if (missing.Count > 0)
        {
            throw new StackStartException(spec.Name, $"{spec.Name} needs {string.Join(", ", missing)}, which {(missing.Count == 1 ? "is" : "are")} not running; start {(missing.Count == 1 ? "it" : "them")} first");
        }

        // The supervisor only knows the processes it started itself; the dependencies were checked above through
        // their pid files, so they are left out of its ordering.
        var supervisor = new ProcessSupervisor(paths) { PortOverrideHint = portOverrideHint };
        try
        {
            await supervisor.StartAsync([spec with { DependsOn = [] }], cancellationToken);
            supervisor.Detach();
        }
        finally
        {
            await supervisor.DisposeAsync();
        }

        return Running(paths, spec.Name) ?? throw new StackStartException(spec.Name, $"{spec.Name} became ready but its pid file is gone");
    }
}
