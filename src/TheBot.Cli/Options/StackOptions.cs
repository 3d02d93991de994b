using System.CommandLine;
using TheBot.Cli.Local;
using TheBot.Stack;

namespace TheBot.Cli.Options;

/// <summary>The flags every stack verb understands (contract §2): <c>--state-dir</c> and <c>--port-offset</c>.</summary>
internal static class StackOptions
{
    public static readonly Option<string?> StateDir = new("--state-dir")
    {
        Description = "Folder for data, logs, rendered configs, pids and secrets (default: .thebot/ at the repository root)",
        Recursive = true,
    };

    public static readonly Option<int> PortOffset = CreatePortOffset();

    private static Option<int> CreatePortOffset()
    {
        var option = new Option<int>("--port-offset")
        {
            Description = "Add N to every default port, so several stacks can run side by side (default: the offset up recorded in the state folder, else 0)",
            Recursive = true,
        };

        // Only up may move a stack to other ports. Any other verb given an offset that is not the one up recorded would
        // probe, or (scale) write into the targets, ports the stack does not use: refused as a bad line (exit 2).
        option.Validators.Add(result =>
        {
            if (result.Parent is not System.CommandLine.Parsing.CommandResult { Command.Name: not "up" } || result.Tokens.Count != 1
                || !int.TryParse(result.Tokens[0].Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var given))
            {
                return;
            }

            var paths = new StackPaths(StateDirOf(result.GetValue(StateDir)));
            if (PortPlan.RecordedOffset(paths) is { } recorded && recorded != given)
            {
                result.AddError($"--port-offset {given} is not the offset of the stack in {paths.Root} ({recorded}, recorded by up in {PortPlan.RecordFileOf(paths)}); leave the flag out or pass {recorded}");
            }
        });
        return option;
    }

    private static string StateDirOf(string? flag) =>
        flag is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(RepositoryRoot.Find(), ".thebot");

    /// <summary>A command that takes the two stack flags.</summary>
    public static Command Create(string name, string description)
    {
        var command = new Command(name, description);
        command.Options.Add(StateDir);
        command.Options.Add(PortOffset);
        return command;
    }

    /// <summary>
    /// The flags to repeat in a command a verb suggests (e.g. <c>./thebot down --state-dir DIR</c>), empty for the
    /// defaults, so the suggestion acts on the same stack.
    /// </summary>
    public static string StateFlags(StackLocation location) =>
        (location.Paths.Root == Path.Combine(location.RepositoryRoot, ".thebot") ? string.Empty : $" --state-dir {location.Paths.Root}")
        + (location.Ports.Offset == 0 ? string.Empty : $" --port-offset {location.Ports.Offset}");

    /// <summary>
    /// Reads the flags into a location; a bad offset is reported, not thrown. Without <c>--port-offset</c> on the line,
    /// the offset is the one <c>up</c> recorded in the state folder (<see cref="PortPlan.RecordedOffset"/>), else 0:
    /// <c>./thebot status --state-dir DIR</c> reaches a stack started with <c>--port-offset 41000</c> on its ports.
    /// </summary>
    public static StackLocation Location(ParseResult result)
    {
        var root = RepositoryRoot.Find();
        var stateDir = StateDirOf(result.GetValue(StateDir));
        Directory.CreateDirectory(stateDir);
        var paths = new StackPaths(stateDir);
        var offset = result.GetResult(PortOffset) is { Implicit: false } ? result.GetValue(PortOffset) : PortPlan.RecordedOffset(paths) ?? 0;
        return new StackLocation(root, paths, new PortPlan(offset));
    }
}
