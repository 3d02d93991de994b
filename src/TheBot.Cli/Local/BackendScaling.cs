using TheBot.Stack;

namespace TheBot.Cli.Local;

/// <summary>
/// Changes how many backend instances a running HA stack has, from the very specs <c>up</c> builds: new instances
/// are started (each waits for its readiness probe) before they are published, removed ones are unpublished and
/// drained (<see cref="Drain"/>) before they are stopped. Publishing is rewriting <see cref="BackendTargets"/>' two files, which Prometheus (file_sd) and
/// the frontend (YARP's destinations) pick up on their own: neither is restarted.
/// </summary>
internal static class BackendScaling
{
    /// <summary>
    /// How long removed instances keep serving after they are unpublished: one active health-probe interval of the
    /// frontend (<c>Backend:HealthProbeIntervalSeconds</c>, 5 s), far above its configuration reload delay (250 ms
    /// after the file watch fires), so no request is routed to an instance that is already stopping.
    /// </summary>
    public static readonly TimeSpan Drain = TimeSpan.FromSeconds(5);

    /// <summary>What a scaling did.</summary>
    /// <param name="Started">Instances started, in order.</param>
    /// <param name="Stopped">Instances stopped, in order.</param>
    public sealed record Outcome(IReadOnlyList<string> Started, IReadOnlyList<string> Stopped);

    /// <summary>
    /// Why <paramref name="location"/> cannot be scaled (no HA stack recorded, or its monitoring and frontend are not
    /// running), or null when it can.
    /// </summary>
    public static string? WhyNot(StackLocation location)
    {
        var stack = new LocalStack(location);
        if (!stack.Topology.HighAvailability)
        {
            return $"the stack in {location.Paths.Root} is not an HA stack (it was started without --topology ha); scaling needs one: ./thebot up --topology ha --detach";
        }

        var needed = stack.Prometheuses.Select(p => p.Name).Append(ServiceNames.Frontend).Append(ServiceNames.PostgreSql).Append(ServiceNames.Redis);
        var down = needed.Where(name => ComponentControl.Running(location.Paths, name) is null).ToList();
        return down.Count == 0 ? null : $"the HA stack in {location.Paths.Root} is not running ({string.Join(", ", down)} down); start it with ./thebot up --topology ha --detach";
    }

    /// <summary>
    /// Scales to <paramref name="count"/> instances. A start that fails stops the instances this call started and
    /// leaves the published list as it was, then throws the <see cref="StackStartException"/>.
    /// </summary>
    public static async Task<Outcome> ScaleAsync(StackLocation location, int count, string portOverrideHint, CancellationToken cancellationToken)
    {
        var current = new LocalStack(location);
        var target = new LocalStack(location, topology: StackTopology.Ha(count));
        var specs = target.Specs().ToDictionary(s => s.Name);
        var started = new List<string>();
        try
        {
            foreach (var name in target.Topology.BackendNames.Where(n => ComponentControl.Running(location.Paths, n) is null))
            {
                await ComponentControl.StartAsync(location.Paths, specs[name], portOverrideHint, cancellationToken);
                started.Add(name);
            }
        }
        catch (Exception) when (started.Count > 0)
        {
            foreach (var name in started)
            {
                await ComponentControl.StopAsync(location.Paths, name, CancellationToken.None);
            }

            throw;
        }

        target.Topology.Save(location.Paths);
        BackendTargets.Write(target);

        var removed = current.Topology.BackendNames.Except(target.Topology.BackendNames).ToList();
        if (removed.Count > 0)
        {
            // Drain: the frontend applies the rewritten destinations only after its file watch fires, and until then
            // still routes to the removed instances; stopped at once, they would answer its requests with refused
            // connections (502). Requests already forwarded finish inside the instance's graceful shutdown (SIGTERM).
            await Task.Delay(Drain, cancellationToken);
        }

        var stopped = new List<string>();
        foreach (var name in removed)
        {
            if (await ComponentControl.StopAsync(location.Paths, name, cancellationToken) is not null)
            {
                stopped.Add(name);
            }
        }

        return new Outcome(started, stopped);
    }
}
