using System.CommandLine;
using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot stop|start|restart COMPONENT</c>: one process of a detached stack, from the very spec <c>up</c> builds
/// (<see cref="LocalStack.Specs"/>: same arguments, environment, ports, state folder and rendered configs); the
/// rest of the stack keeps running. <c>start</c> returns once the component's readiness probe passes.
/// </summary>
internal static class ComponentCommand
{
    /// <summary>Exit code of a component name that is not one of the stack's services.</summary>
    public const int UnknownComponent = 2;

    /// <summary>Other names operators use for a service (the runbooks say "postgres"), as each component declares them.</summary>
    private static readonly IReadOnlyDictionary<string, string> Aliases = StackComponents.All
        .SelectMany(component => component.Aliases.Select(alias => KeyValuePair.Create(alias, component.Name)))
        .ToDictionary();

    private const string ExitCodes = " Exit codes: 0 done; 1 it failed (not running, a dependency is down, not ready in time; the reason is printed); 2 unknown component (the valid names are printed) or bad flags.";

    public static Command Create(string verb)
    {
        var description = verb switch
        {
            "stop" => "Stop one component of a running stack (its whole process tree), leaving the others running.",
            "start" => "Start one component of a running stack from the spec up uses, and wait for its readiness probe.",
            "restart" => "Stop one component of a running stack and start it again from the spec up uses, waiting for its readiness probe.",
            _ => throw new ArgumentOutOfRangeException(nameof(verb), verb, "stop, start or restart"),
        };
        var component = new Argument<string>("COMPONENT")
        {
            Description = ComponentHelp,
        };
        var command = StackOptions.Create(verb, description + ExitCodes);
        command.Arguments.Add(component);
        VerbReport.AddJsonOption(command);
        command.SetAction(async (result, ct) =>
        {
            var report = VerbReport.For(result);
            return await report.EndAsync(await RunAsync(StackOptions.Location(result), verb, result.GetValue(component)!, report, ct));
        });
        return command;
    }

    /// <summary>
    /// The COMPONENT argument's help, from the registry (<see cref="StackComponents.All"/>): the names in every stack
    /// in start order, as <c>status</c> lists them, then the optional ones, then the HA topology's further instances
    /// in the services table's order (the order README's HA table lists them in).
    /// </summary>
    internal static string ComponentHelp
    {
        get
        {
            var always = StackComponents.All.Where(c => c.Presence == ComponentPresence.Always)
                .Select(c => c.Aliases.Count == 0 ? c.Name : $"{c.Name} (or {string.Join(", ", c.Aliases)})");
            var optional = StackComponents.All.Where(c => c.Presence == ComponentPresence.WhereInstalled).Select(c => c.Name);
            var highAvailability = StackComponents.All.OrderBy(c => c.TablePosition)
                .Select(c => c.Presence == ComponentPresence.HighAvailabilityOnly ? c.Name : c.HighAvailabilityInstances)
                .OfType<string>();
            return $"A service name as ./thebot status lists it: {string.Join(", ", always)}, and {string.Join('/', optional)} where they run; "
                + $"in an HA stack also {string.Join(", ", highAvailability)}";
        }
    }

    /// <summary>Runs <paramref name="verb"/> (stop, start or restart) on <paramref name="component"/>; returns the exit code.</summary>
    public static Task<int> RunAsync(StackLocation location, string verb, string component, TextWriter output, CancellationToken cancellationToken) =>
        RunAsync(location, verb, component, new VerbReport(verb, output, json: false), cancellationToken);

    private static async Task<int> RunAsync(StackLocation location, string verb, string component, VerbReport report, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(location);
        var specs = stack.Specs();
        var name = Aliases.GetValueOrDefault(component, component);
        if (specs.FirstOrDefault(s => s.Name == name) is not { } spec)
        {
            report.Fail($"unknown component '{component}'; the stack's components are: {string.Join(", ", specs.Select(s => s.Name))}");
            report.Set("components", specs.Select(s => s.Name));
            return UnknownComponent;
        }

        report.Set("component", spec.Name);

        var flags = StackOptions.StateFlags(location);
        if (verb is "stop" or "restart")
        {
            var stopped = await ComponentControl.StopAsync(location.Paths, spec.Name, cancellationToken);
            if (stopped is null && verb == "stop")
            {
                report.Fail($"{spec.Name} is not running in {location.Paths.Root}");
                return 1;
            }

            if (stopped is null)
            {
                report.Info($"… {spec.Name} was not running");
            }
            else
            {
                report.Ok($"stopped {spec.Name} (pid {stopped.Pid})");
                report.Set("stopped_pid", stopped.Pid);
            }

            if (verb == "stop")
            {
                return 0;
            }
        }

        // start and restart use the configs up rendered into the state folder; without them there is no stack here.
        if (!Directory.Exists(location.Paths.Config))
        {
            report.Fail($"no stack in {location.Paths.Root} (no rendered configs); start the whole stack with ./thebot up --detach{flags}");
            return 1;
        }

        // up saved the stack's secrets with its configs; one deleted since is created again, as the spec names its file.
        stack.Secrets.Save();
        try
        {
            await using var step = Spinner.Start(report.Progress, $"starting {spec.Name}" + (spec.Readiness is { } probe ? $", waiting for {probe.Description}" : string.Empty));
            var record = await ComponentControl.StartAsync(location.Paths, spec, StackOptions.RunningStackPortHint(location), cancellationToken);
            await step.ClearAsync();
            report.Ok($"{spec.Name} ready (pid {record.Pid}, {step.Elapsed.TotalSeconds:F1} s)");
            report.Set("started_pid", record.Pid);
            report.Set("ready_seconds", Math.Round(step.Elapsed.TotalSeconds, 1));
            return 0;
        }
        catch (StackStartException exception)
        {
            report.Progress.WriteLine();
            report.Fail(exception.Message, $"see ./thebot status{flags}");
            return 1;
        }
    }
}
