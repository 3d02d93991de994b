using System.CommandLine;
using System.CommandLine.Invocation;
using TheBot.Cli.Options;
using TheBot.Cli.Output;

namespace TheBot.Cli;

/// <summary>
/// Parses and runs a command line the way <c>./thebot</c> does, for Program and for the tests alike: a line that does
/// not parse is reported by <see cref="ParseErrorReport"/> (exit 2), everything else (a verb, <c>--help</c>) runs as
/// System.CommandLine invokes it. Parsing and help touch no file: a stack verb's state folder is made only once the
/// verb itself is about to run (<see cref="StackOptions.MakeStateDir"/>), and a state folder whose recorded topology
/// cannot be read is refused then too (<see cref="StackOptions.RecordedStateProblem"/>).
/// </summary>
internal static class CliInvocation
{
    public static Task<int> InvokeAsync(string[] args, InvocationConfiguration configuration, CancellationToken cancellationToken = default)
    {
        var result = CliCommands.Create().Parse(args);
        // Only the library's own error action is replaced: with --help (or --version) on a line that also has an error,
        // the library picks the help action, and help is what the user asked for.
        if (result.Action is ParseErrorAction)
        {
            return ParseErrorReport.WriteAsync(result, configuration);
        }

        // The verb's own action, not help: its state folder is made now, and one that cannot be is bad input like a
        // line that does not parse.
        if (ReferenceEquals(result.Action, result.CommandResult.Command.Action)
            && (StackOptions.MakeStateDir(result) ?? StackOptions.RecordedStateProblem(result)) is { } problem)
        {
            return ParseErrorReport.WriteAsync(result, [problem], configuration);
        }

        return result.InvokeAsync(configuration, cancellationToken);
    }
}
