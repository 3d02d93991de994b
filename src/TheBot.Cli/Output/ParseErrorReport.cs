using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace TheBot.Cli.Output;

/// <summary>
/// What a command line that does not parse (an unknown flag, a malformed or out-of-list value, a missing argument)
/// reports, instead of System.CommandLine's default (exit 1, the error and then the whole help on standard output):
/// exit <see cref="ExitCode"/>, the bad-input code of every verb (docs/operations.md); one line per error on standard
/// error, naming the flag and its value; and with <c>--json</c> the verbs' envelope on standard output, so a script
/// that asked for JSON still gets a document it can parse.
/// </summary>
internal static partial class ParseErrorReport
{
    /// <summary>Exit code of a command line that does not parse.</summary>
    public const int ExitCode = 2;

    /// <summary>Writes the errors of <paramref name="result"/> to <paramref name="configuration"/>'s writers; returns <see cref="ExitCode"/>.</summary>
    public static Task<int> WriteAsync(ParseResult result, InvocationConfiguration configuration) =>
        WriteAsync(result, [.. result.Errors.Select(Describe)], configuration);

    /// <summary>
    /// Writes <paramref name="problems"/>, what is wrong with the input of the line <paramref name="result"/> parsed
    /// (e.g. a state folder that cannot be made), as a line that does not parse is reported; returns <see cref="ExitCode"/>.
    /// </summary>
    public static async Task<int> WriteAsync(ParseResult result, IReadOnlyList<string> problems, InvocationConfiguration configuration)
    {
        var command = result.CommandResult.Command;
        var path = command is RootCommand ? "./thebot" : "./thebot " + command.Name;
        // A hidden verb (the inbox up starts) has no help of its own to point to.
        var hint = command.Hidden
            ? $"{path} is started by ./thebot up, not run by hand; ./thebot --help lists the verbs"
            : $"{path} --help lists the flags and the values they take";
        var lines = problems.Distinct(StringComparer.Ordinal).ToList();
        foreach (var line in lines)
        {
            await configuration.Error.WriteLineAsync($"✗ {line} ({hint})");
        }

        if (!AskedForJson(result))
        {
            return ExitCode;
        }

        var report = new VerbReport(command is RootCommand ? "thebot" : command.Name, configuration.Output, json: true);
        foreach (var line in lines)
        {
            report.Fail(line, hint);
        }

        return await report.EndAsync(ExitCode);
    }

    /// <summary>
    /// True when the command line holds <c>--json</c>, whether the verb knows the flag or not: a script that asked for
    /// JSON parses standard output as JSON, whatever else was wrong with the line.
    /// </summary>
    private static bool AskedForJson(ParseResult result) =>
        result.Tokens.Any(t => t.Value == VerbReport.JsonOption.Name && t.Type is TokenType.Option or TokenType.Argument);

    /// <summary>
    /// One line for one error: System.CommandLine's message with its list of allowed values on the same line, the
    /// .NET type name said in words (<c>as a whole number</c>), and the flag named when the message does not name it.
    /// </summary>
    public static string Describe(ParseError error)
    {
        var parts = error.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var text = parts.Length <= 1 ? error.Message.Trim() : parts[0] + " " + string.Join(", ", parts.Skip(1));
        text = TypeName().Replace(text, m => TypeWords.FirstOrDefault(t => t.Type == m.Groups["type"].Value).Words is { } words ? "as " + words : m.Value);

        var flag = error.SymbolResult switch
        {
            OptionResult option => option.Option.Name,
            ArgumentResult { Parent: OptionResult option } => option.Option.Name,
            _ => null,
        };
        return flag is null || text.Contains(flag, StringComparison.Ordinal) ? text : $"{flag}: {text}";
    }

    /// <summary>The value types of the CLI's flags, as a person reads them.</summary>
    private static readonly (string Type, string Words)[] TypeWords =
    [
        ("System.Int32", "a whole number"),
        ("System.Nullable`1[System.Int32]", "a whole number"),
        ("System.Int64", "a whole number"),
        ("System.Double", "a number"),
        ("System.Nullable`1[System.Double]", "a number"),
        ("System.Boolean", "true or false"),
    ];

    /// <summary>How System.CommandLine names the type a value did not parse as.</summary>
    [GeneratedRegex(@"as expected type '(?<type>[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();
}
