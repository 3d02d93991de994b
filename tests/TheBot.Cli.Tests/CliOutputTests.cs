using System.CommandLine;
using System.Text.Json;
using TheBot.Cli.Output;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// The CLI's output conventions without a running stack: <c>--json</c> on every verb that reports (one document, the
/// verb's exit code and fields), exit codes in every verb's help, and ASCII where the terminal cannot draw ✓/✗.
/// </summary>
public sealed class CliOutputTests : IDisposable
{
    // Ports of this offset (5432+, 8000+, 9090+ … → 26000-33000) are below the ephemeral range and free on this machine.
    private const string Offset = "23456";

    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-output-");

    [Theory]
    [InlineData("status", 3, "services")]
    [InlineData("down", 0, "stopped")]
    [InlineData("stop redsi", 2, "components")]
    [InlineData("stop postgres", 1, "component")]
    [InlineData("scale backend=0", 2, null)]
    [InlineData("cleanup --match up --older-than 1h", 1, "targets")] // a bad --older-than is a parse error: StackFlagValidationTests
    [InlineData("backup", 1, null)]
    [InlineData("test-alert --timeout 1", 1, "test_id")]
    [InlineData("load --rps 0", 2, null)]
    public async Task Every_reporting_verb_prints_one_json_document_with_its_exit_code_and_fields(string verb, int exit, string? field)
    {
        var (code, output) = await VerbInvoker.InvokeAsync([.. verb.Split(' '), "--json", "--state-dir", _paths.Root, "--port-offset", Offset]);

        Assert.Equal(exit, code);
        using var document = JsonDocument.Parse(output); // the whole output: nothing but the document
        var root = document.RootElement;
        Assert.Equal(verb.Split(' ')[0], root.GetProperty("verb").GetString());
        Assert.Equal(exit, root.GetProperty("exit").GetInt32());
        Assert.Equal(exit == 0, root.GetProperty("ok").GetBoolean());
        if (field is not null)
        {
            Assert.True(root.GetProperty("data").TryGetProperty(field, out _), $"data has no {field}: {output}");
        }

        var failures = root.GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("level").GetString() == "fail").ToList();
        Assert.Equal(exit != 0 && verb != "status", failures.Count > 0);
        Assert.All(failures, f => Assert.False(string.IsNullOrWhiteSpace(f.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task Status_json_names_every_service_with_its_state()
    {
        var (_, output) = await VerbInvoker.InvokeAsync(["status", "--json", "--state-dir", _paths.Root, "--port-offset", Offset]);

        using var document = JsonDocument.Parse(output);
        var services = document.RootElement.GetProperty("data").GetProperty("services").EnumerateArray().ToList();
        Assert.Equal(
            ["postgresql", "redis", "backend", "frontend", "node_exporter", "postgres_exporter", "redis_exporter", "inbox", "alertmanager", "prometheus"],
            services.Select(s => s.GetProperty("service").GetString()).Take(10));
        Assert.All(services, s => Assert.Equal("down", s.GetProperty("state").GetString()));
        Assert.Equal(0, document.RootElement.GetProperty("data").GetProperty("inbox").GetProperty("notifications").GetInt32());
    }

    [Fact]
    public async Task Every_visible_verbs_help_documents_its_exit_codes_with_2_for_bad_input()
    {
        var verbs = CliCommands.Create().Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        Assert.True(verbs.Count >= 15, string.Join(", ", verbs));
        foreach (var verb in verbs)
        {
            var (_, help) = await VerbInvoker.InvokeAsync([verb, "--help"]);
            Assert.Matches(@"Exit codes?: 0 ", help);
            // Every verb takes flags, and a malformed one exits 2 (ParseErrorReport); help wraps, hence \s.
            Assert.Matches(@"(?s)Exit codes: 0 .*\b2\s", help);
        }
    }

    [Theory]
    [InlineData("test-alert --severity info", "--severity", "'info'")]
    [InlineData("status --port-offset abc", "--port-offset", "'abc'")]
    [InlineData("up --backends many", "--backends", "'many'")]
    [InlineData("check --only nosuch", "--only", "'nosuch'")]
    public async Task A_malformed_flag_exits_2_with_one_line_on_standard_error_naming_flag_and_value(string line, string flag, string value)
    {
        var (exit, output, error) = await VerbInvoker.InvokeSplitAsync(line.Split(' '));

        Assert.Equal(2, exit);
        Assert.Equal("", output); // no help text: the error says what to run for it
        var only = Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("✗ ", only, StringComparison.Ordinal);
        Assert.Contains(flag, only, StringComparison.Ordinal);
        Assert.Contains(value, only, StringComparison.Ordinal);
        Assert.Contains($"./thebot {line.Split(' ')[0]} --help", only, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_line_of_the_hidden_inbox_verb_does_not_point_to_a_help_it_lacks()
    {
        var (exit, _, error) = await VerbInvoker.InvokeSplitAsync(["inbox", "--bogus"]);

        Assert.Equal(2, exit);
        Assert.Contains("✗ Unrecognized command or argument '--bogus'. (./thebot inbox is started by ./thebot up, not run by hand; ./thebot --help lists the verbs)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("inbox --help", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status --port-offset abc", "status", "--port-offset")]
    [InlineData("test-alert --severity info", "test-alert", "--severity")]
    [InlineData("check --only nosuch", "check", "--only")] // check's own --json
    [InlineData("backup --no-such-flag", "backup", "--no-such-flag")]
    [InlineData("up --detach --backends many", "up", "--backends")]
    public async Task A_malformed_flag_with_json_prints_the_verbs_envelope_instead_of_help(string line, string verb, string flag)
    {
        var (exit, output, _) = await VerbInvoker.InvokeSplitAsync([.. line.Split(' '), "--json"]);

        Assert.Equal(2, exit);
        using var document = JsonDocument.Parse(output); // the whole output: nothing but the document
        var root = document.RootElement;
        Assert.Equal(verb, root.GetProperty("verb").GetString());
        Assert.Equal(2, root.GetProperty("exit").GetInt32());
        Assert.False(root.GetProperty("ok").GetBoolean());
        var failure = Assert.Single(root.GetProperty("messages").EnumerateArray());
        Assert.Equal("fail", failure.GetProperty("level").GetString());
        Assert.Contains(flag, failure.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("--help", failure.GetProperty("hint").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("up --json", "--detach")] // a foreground up never ends, so it has no document
    [InlineData("up --json --detach --topology triple", "--topology")]
    public async Task Up_json_refuses_what_it_cannot_start_with_exit_2_and_a_document(string line, string named)
    {
        var (exit, output, error) = await VerbInvoker.InvokeSplitAsync([.. line.Split(' '), "--state-dir", _paths.Root, "--port-offset", Offset]);

        Assert.Equal(2, exit);
        // Refused as a line that does not parse: one line on standard error as well, the document on standard output.
        Assert.StartsWith("✗ ", error, StringComparison.Ordinal);
        Assert.Contains(named, error, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(output);
        Assert.Equal("up", document.RootElement.GetProperty("verb").GetString());
        Assert.Equal(2, document.RootElement.GetProperty("exit").GetInt32());
        var failure = Assert.Single(document.RootElement.GetProperty("messages").EnumerateArray());
        Assert.Contains(named, failure.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "xterm", null, null, "C.UTF-8", false)]
    [InlineData(null, "xterm", null, null, "en_US.utf8", false)]
    [InlineData(null, "xterm", null, null, null, false)] // no locale at all: .NET writes UTF-8 anyway
    [InlineData(null, "dumb", null, null, "C.UTF-8", true)]
    [InlineData(null, "xterm", "C", null, "C.UTF-8", true)] // LC_ALL wins over LANG
    [InlineData(null, "xterm", null, "POSIX", "C.UTF-8", true)] // LC_CTYPE wins over LANG
    [InlineData(null, "xterm", "", null, "en_US.ISO-8859-1", true)] // an empty LC_ALL is not set
    [InlineData("1", "xterm", null, null, "C.UTF-8", true)]
    [InlineData("0", "xterm", null, null, "C.UTF-8", false)]
    public void Ascii_is_chosen_for_a_dumb_terminal_a_non_utf8_locale_or_on_request(string? forced, string? term, string? lcAll, string? lcCtype, string? lang, bool ascii)
    {
        var environment = new Dictionary<string, string?>
        {
            [TerminalText.AsciiVariable] = forced, ["TERM"] = term, ["LC_ALL"] = lcAll, ["LC_CTYPE"] = lcCtype, ["LANG"] = lang,
        };
        Assert.Equal(ascii, TerminalText.WantsAscii(name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void The_ascii_writer_keeps_columns_and_spins_with_ascii_frames()
    {
        var written = new StringWriter();
        using var writer = new TerminalWriter(written, isTerminal: false, ascii: true);

        writer.WriteLine("✓ up         backend  · p95 ≤ 0.5 s — ok");
        writer.WriteLine("✗ not ready  redis    … → next");
        writer.Write("⠋⠙⠹⠸😀".ToCharArray(), 0, 6);

        Assert.Equal("+ up         backend  - p95 <= 0.5 s -- ok\nx not ready  redis    ... -> next\n|/-\\?", written.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal("✓ up", Unchanged("✓ up"));

        static string Unchanged(string text)
        {
            var target = new StringWriter();
            new TerminalWriter(target, isTerminal: false, ascii: false).Write(text);
            return target.ToString();
        }
    }

    [Theory]
    [InlineData("1", "xterm", "C.UTF-8", true)]
    [InlineData("", "dumb", "C.UTF-8", true)]
    [InlineData("", "xterm", "C", true)]
    [InlineData("", "xterm", "C.UTF-8", false)]
    public async Task The_cli_process_writes_ascii_when_its_environment_asks_for_it(string forced, string term, string lang, bool ascii)
    {
        await using var cli = CliProcess.StartWith(
            new Dictionary<string, string> { [TerminalText.AsciiVariable] = forced, ["TERM"] = term, ["LANG"] = lang, ["LC_ALL"] = string.Empty, ["LC_CTYPE"] = string.Empty },
            "stop", "redsi", "--state-dir", _paths.Root, "--port-offset", Offset);

        Assert.Equal(2, await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains((ascii ? "x" : "✗") + " unknown component 'redsi'", cli.Output, StringComparison.Ordinal);
        Assert.Equal(ascii, cli.Output.All(char.IsAscii));
    }

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);
}
