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

        option.Validators.Add(result =>
        {
            if (result.Tokens.Count != 1
                || !int.TryParse(result.Tokens[0].Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var given))
            {
                return;
            }

            // Every verb builds its PortPlan from the offset: one that moves a default port past 1-65535 is a bad line
            // (exit 2), named with the range that fits, not an exception out of the verb.
            try
            {
                _ = new PortPlan(given);
            }
            catch (ArgumentOutOfRangeException)
            {
                var lowest = PortPlan.Defaults.Values.Min();
                var highest = PortPlan.Defaults.Values.Max();
                result.AddError($"--port-offset {given} moves ports outside 1-65535 (the default ports run from {lowest} to {highest}); pass an offset from {1 - lowest} to {65535 - highest}");
                return;
            }

            // Only up may move a stack to other ports. Any other verb given an offset that is not the one up recorded
            // would probe, or (scale) write into the targets, ports the stack does not use: refused as a bad line (exit 2).
            if (result.Parent is not System.CommandLine.Parsing.CommandResult { Command.Name: not "up" })
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
    /// Makes the state folder of the verb <paramref name="result"/> runs (the one <c>--state-dir</c> names, or the
    /// default) as <see cref="Location"/> would, and says why it cannot be one: a file in its place or on its way, no
    /// permission, another I/O error; null when it is made or the verb takes no stack flags. The caller
    /// (<see cref="CliInvocation"/>) runs it once the line has parsed and the verb itself is about to run, and refuses
    /// such a folder as bad input (exit 2, a JSON document with --json) before the verb acts, instead of the verb
    /// failing halfway with an exception. Not a validator of the line: System.CommandLine runs those on every parse,
    /// so <c>--help</c> and a line that does not parse would make the folder too.
    /// </summary>
    public static string? MakeStateDir(ParseResult result) =>
        result.CommandResult.Command.Options.Contains(StateDir) ? StateDirProblem(result.GetValue(StateDir)) : null;

    /// <summary>
    /// Why the state folder of the verb <paramref name="result"/> runs cannot be read as a stack: a recorded
    /// <c>topology.json</c> that is not what <c>up</c> writes (<see cref="StackTopology.Load"/>); null when it can, or the
    /// verb reads no topology. The caller (<see cref="CliInvocation"/>) refuses it as bad input like a state folder
    /// that cannot be made (exit 2), instead of every stack verb failing with an exception. <c>up</c> records its own
    /// topology over it and <c>down</c> stops from the pid files alone, so both still run.
    /// </summary>
    public static string? RecordedStateProblem(ParseResult result)
    {
        var command = result.CommandResult.Command;
        if (!command.Options.Contains(StateDir) || command.Name is "up" or "down")
        {
            return null;
        }

        try
        {
            StackTopology.Load(new StackPaths(StateDirOf(result.GetValue(StateDir))));
            return null;
        }
        catch (StackStateException exception)
        {
            return $"{exception.Message}; fix: delete {exception.File} and start the stack again (./thebot down, then ./thebot up --detach with its --topology), or restore the file";
        }
    }

    /// <summary>Makes the state folder <paramref name="flag"/> names (or the default one); why it cannot be one, or null.</summary>
    private static string? StateDirProblem(string? flag)
    {
        var stateDir = StateDirOf(flag);
        var named = flag is { Length: > 0 } ? $"--state-dir {flag}" : $"the state folder {stateDir} (the default of --state-dir)";
        try
        {
            Directory.CreateDirectory(stateDir);
            return null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The file that stands where a folder must be: the state folder itself, or one of the folders above it.
            var file = Ancestors(stateDir).FirstOrDefault(File.Exists);
            return file is null ? $"{named}: cannot be created as a folder ({exception.Message})"
                : file == stateDir ? $"{named}: is a file, not a folder"
                : $"{named}: {file} is a file, not a folder";
        }
    }

    /// <summary><paramref name="path"/> and every folder above it, nearest first.</summary>
    private static IEnumerable<string> Ancestors(string path)
    {
        for (var current = Path.TrimEndingDirectorySeparator(path); !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            yield return current;
        }
    }

    /// <summary>
    /// How a busy-port error of a verb that starts a process into a running stack (<c>start</c>, <c>restart</c>,
    /// <c>scale</c>) says to pick other ports: not <c>--port-offset N</c> alone, which that verb refuses (exit 2) unless
    /// it equals the running stack's recorded offset, but moving the whole stack (down, then up on another offset).
    /// </summary>
    public static string RunningStackPortHint(StackLocation location) =>
        $"./thebot down{StateFlags(location)}, then ./thebot up --detach"
        + (IsDefaultStateDir(location) ? string.Empty : $" --state-dir {location.Paths.Root}")
        + " --port-offset N (a running stack keeps the port offset it was started with), or free the port";

    private static bool IsDefaultStateDir(StackLocation location) => location.Paths.Root == Path.Combine(location.RepositoryRoot, ".thebot");

    /// <summary>
    /// The flags to repeat in a command a verb suggests (e.g. <c>./thebot down --state-dir DIR</c>), empty for the
    /// defaults, so the suggestion acts on the same stack.
    /// </summary>
    public static string StateFlags(StackLocation location) =>
        (IsDefaultStateDir(location) ? string.Empty : $" --state-dir {location.Paths.Root}")
        + (location.Ports.Offset == 0 ? string.Empty : $" --port-offset {location.Ports.Offset}");

    /// <summary>
    /// Reads the flags into a location. A state folder that cannot be made (<see cref="MakeStateDir"/>) and an offset
    /// that moves a port out of range were refused as bad input before the verb's action (the caller) runs. Without <c>--port-offset</c> on the line,
    /// the offset is the one <c>up</c> recorded in the state folder (<see cref="PortPlan.RecordedOffset"/>), else 0:
    /// <c>./thebot status --state-dir DIR</c> reaches a stack started with <c>--port-offset 41000</c> on its ports.
    /// </summary>
    public static StackLocation Location(ParseResult result)
    {
        var root = RepositoryRoot.Find();
        var stateDir = StateDirOf(result.GetValue(StateDir));
        Directory.CreateDirectory(stateDir); // made by MakeStateDir already; kept for a folder removed since, and for a verb run without CliInvocation
        var paths = new StackPaths(stateDir);
        var offset = result.GetResult(PortOffset) is { Implicit: false } ? result.GetValue(PortOffset) : PortPlan.RecordedOffset(paths) ?? 0;
        return new StackLocation(root, paths, new PortPlan(offset));
    }
}
