using System.CommandLine;
using System.CommandLine.Invocation;
using TheBot.Cli.Output;

namespace TheBot.Cli;

/// <summary>
/// Parses and runs a command line the way <c>./thebot</c> does, for Program and for the tests alike: a line that does
/// not parse is reported by <see cref="ParseErrorReport"/> (exit 2), everything else (a verb, <c>--help</c>) runs as
/// System.CommandLine invokes it.
/// </summary>
internal static class CliInvocation
{
    public static Task<int> InvokeAsync(string[] args, InvocationConfiguration configuration, CancellationToken cancellationToken = default)
    {
        var result = CliCommands.Create().Parse(args);
        // Only the library's own error action is replaced: with --help (or --version) on a line that also has an error,
        // the library picks the help action, and help is what the user asked for.
        return result.Action is ParseErrorAction
            ? ParseErrorReport.WriteAsync(result, configuration)
            : result.InvokeAsync(configuration, cancellationToken);
    }
}
