using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TheBot.Cli.Output;

/// <summary>
/// What a verb reports, written the way the invocation asked: lines with ✓/✗ for people, or with <c>--json</c> one
/// JSON document at the end for machines (and nothing else on standard output):
/// <c>{"verb", "exit", "ok", "data": {…}, "messages": [{"level": "ok|warn|fail|info", "text", "hint"}]}</c>.
/// <c>data</c> holds the verb's own fields (docs/operations.md lists them per verb).
/// </summary>
internal sealed class VerbReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly string _verb;
    private readonly TextWriter _output;
    private readonly bool _json;
    private readonly JsonObject _data = [];
    private readonly JsonArray _messages = [];

    public VerbReport(string verb, TextWriter output, bool json)
    {
        _verb = verb;
        _output = output;
        _json = json;
    }

    /// <summary>The shared <c>--json</c> option; add it to a verb with <see cref="AddJsonOption"/>.</summary>
    public static Option<bool> JsonOption { get; } = new("--json") { Description = "Print one JSON document (verb, exit, ok, data, messages) instead of lines" };

    /// <summary>Where free-form progress goes (spinners, live lines): the output for people, nothing with --json.</summary>
    public TextWriter Progress => _json ? TextWriter.Null : _output;

    /// <summary>True when the report is written as JSON.</summary>
    public bool Json => _json;

    /// <summary>Adds the shared <c>--json</c> option to <paramref name="command"/>.</summary>
    public static Command AddJsonOption(Command command)
    {
        command.Options.Add(JsonOption);
        return command;
    }

    /// <summary>The report of the verb <paramref name="result"/> invoked, on the invocation's output.</summary>
    public static VerbReport For(ParseResult result) =>
        new(result.CommandResult.Command.Name, result.InvocationConfiguration.Output, result.GetValue(JsonOption));

    /// <summary>A success line: <c>✓ text</c>.</summary>
    public void Ok(string text) => Add("ok", "✓ " + text, text, null);

    /// <summary>A failure line, <c>✗ text</c>, and the hint under it (what to do next) when given.</summary>
    public void Fail(string text, string? hint = null) => Add("fail", "✗ " + text, text, hint);

    /// <summary>
    /// A warning line, <c>! text</c>, and the hint under it when given: the verb did its job (exit 0), but part of it
    /// is missing or was left out on purpose, named here (a replica that was down during a backup).
    /// </summary>
    public void Warn(string text, string? hint = null) => Add("warn", "! " + text, text, hint);

    /// <summary>A plain line (progress, a count, a note).</summary>
    public void Info(string text) => Add("info", text, text, null);

    /// <summary>Sets one field of <c>data</c> (a number, a string, a list, or a JsonNode).</summary>
    public void Set(string key, JsonNode? value) => _data[key] = value;

    /// <summary>Sets one field of <c>data</c> to a list of strings.</summary>
    public void Set(string key, IEnumerable<string> values) => _data[key] = new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    /// <summary>Ends the report: with --json writes the document; returns <paramref name="exit"/> for the verb to return.</summary>
    public async Task<int> EndAsync(int exit)
    {
        if (_json)
        {
            var document = new JsonObject
            {
                ["verb"] = _verb,
                ["exit"] = exit,
                ["ok"] = exit == 0,
                ["data"] = _data,
                ["messages"] = _messages,
            };
            await _output.WriteLineAsync(document.ToJsonString(Indented));
        }

        return exit;
    }

    private void Add(string level, string line, string text, string? hint)
    {
        if (_json)
        {
            _messages.Add(new JsonObject { ["level"] = level, ["text"] = text, ["hint"] = hint });
            return;
        }

        _output.WriteLine(line);
        if (hint is not null)
        {
            _output.WriteLine("    " + hint);
        }
    }
}
