using TheBot.Stack;

namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>
/// One service of the stack runs from its pid file and passes its readiness probe; when it does not run, whether
/// another program holds its port.
/// </summary>
internal sealed class ServiceReadyCheck(DoctorContext context, ProcessSpec spec, IReadOnlyDictionary<string, PidRecord> pids) : IDoctorCheck
{
    private readonly int _port = spec.Ports.Values.First();

    /// <summary>One check per process of the stack, in start order, all reading the pid files as they were once.</summary>
    public static IEnumerable<IDoctorCheck> ForEachService(DoctorContext context)
    {
        var pids = ProcessSupervisor.ReadPidFiles(context.Location.Paths).ToDictionary(r => r.Name);
        return context.Stack.Specs().Select(spec => new ServiceReadyCheck(context, spec, pids));
    }

    public string Name => $"{spec.Name} running and ready on 127.0.0.1:{_port}";

    /// <summary>
    /// The one command that fixes it: the whole stack when none of it runs, else this component alone (the rest keeps
    /// running; <c>up</c> would refuse a stack that already runs).
    /// </summary>
    public string Fix =>
        !pids.Values.Any(record => record.IsRunning) ? $"start the stack: ./thebot up --detach{context.Flags}"
        : pids.TryGetValue(spec.Name, out var record) && record.IsRunning
            ? $"see {context.Location.Paths.LogFile(spec.Name)}; restart it: ./thebot restart {spec.Name}{context.Flags}"
            : $"start it: ./thebot start {spec.Name}{context.Flags}";

    public async Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var running = pids.TryGetValue(spec.Name, out var record) && record.IsRunning;
        if (!running)
        {
            return (false, Ports.IsFree(_port) ? "not running" : $"not started by this stack, but port {_port} is taken by another program");
        }

        var ready = spec.Readiness is null || await spec.Readiness.CheckAsync(cancellationToken);
        return (ready, ready ? $"pid {record!.Pid}, {spec.Readiness?.Description}" : $"pid {record!.Pid} runs but is not ready (expected: {spec.Readiness!.Description})");
    }
}
