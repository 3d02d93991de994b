using System.Text.Json;
using TheBot.Cli.Options;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// Stack flags the verbs cannot use are bad input on every stack verb, refused while the line is parsed: exit 2, one
/// <c>✗</c> line naming the flag, the value and what is wrong, and with <c>--json</c> the verbs' envelope — never an
/// exception with a stack trace (exit 1) out of the verb. A <c>--state-dir</c> that is a file, lies under a file or
/// cannot be made; a <c>--port-offset</c> that moves a port outside 1-65535; a <c>test-alert --timeout</c> outside
/// 1-3600, refused before any alert is posted. No stack runs.
/// </summary>
public sealed class StackFlagValidationTests : IDisposable
{
    // Ports of this offset (5432+, 8000+, 9090+ … → 26000-33000) are below the ephemeral range and free on this machine.
    private const string Offset = "23456";

    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-flags-");

    /// <summary>A file where the tests put a state folder.</summary>
    private string File => Path.Combine(_paths.Root, "a-file");

    /// <summary>Every stack verb, with the arguments it needs to parse.</summary>
    private static readonly string[] StackVerbLines =
    [
        "up --detach", "down", "status", "doctor", "test-alert", "load", "backup", "cleanup --match up --older-than 1h",
        "restart prometheus", "stop prometheus", "start prometheus", "explain Watchdog", "scale backend=2",
    ];

    /// <summary><see cref="StackVerbLines"/> as theory data.</summary>
    public static TheoryData<string> StackVerbs => new(StackVerbLines);

    public StackFlagValidationTests() => System.IO.File.WriteAllText(File, "x\n");

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    [Fact]
    public void The_list_of_stack_verbs_is_every_verb_that_takes_the_stack_flags()
    {
        var verbs = CliCommands.Create().Subcommands.Where(c => c.Options.Contains(StackOptions.StateDir)).Select(c => c.Name).Order();

        Assert.Equal(verbs, StackVerbLines.Select(line => line.Split(' ')[0]).Order());
    }

    [Theory]
    [MemberData(nameof(StackVerbs))]
    public async Task A_state_dir_that_is_a_file_exits_2_naming_it_on_every_stack_verb(string line)
    {
        var (exit, output, error) = await VerbInvoker.InvokeSplitAsync([.. line.Split(' '), "--state-dir", File, "--port-offset", Offset]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        var only = Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"✗ --state-dir {File}: is a file, not a folder (./thebot {line.Split(' ')[0]} --help", only, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sub", "{0}: {1} is a file, not a folder")] // a file on the way to the folder
    [InlineData("sub/deeper", "{0}: {1} is a file, not a folder")]
    public async Task A_state_dir_under_a_file_exits_2_naming_the_file(string below, string expected)
    {
        var stateDir = Path.Combine(File, below);

        var (exit, _, error) = await VerbInvoker.InvokeSplitAsync(["status", "--state-dir", stateDir, "--port-offset", Offset]);

        Assert.Equal(2, exit);
        Assert.StartsWith("✗ " + string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, $"--state-dir {stateDir}", File), error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_dir_that_cannot_be_made_for_another_reason_exits_2_with_the_reason()
    {
        // A name longer than any file system allows (255 bytes): an I/O error other than a file in the way.
        var stateDir = Path.Combine(_paths.Root, new string('d', 300));

        var (exit, _, error) = await VerbInvoker.InvokeSplitAsync(["down", "--state-dir", stateDir]);

        Assert.Equal(2, exit);
        var only = Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"✗ --state-dir {stateDir}: cannot be created as a folder (", only, StringComparison.Ordinal);
        Assert.Contains("too long", only, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("up --detach")]
    [InlineData("doctor")]
    public async Task A_state_dir_that_is_a_file_with_json_prints_the_verbs_envelope_with_exit_2(string line)
    {
        var (exit, output, _) = await VerbInvoker.InvokeSplitAsync([.. line.Split(' '), "--json", "--state-dir", File, "--port-offset", Offset]);

        Assert.Equal(2, exit);
        AssertEnvelope(output, line.Split(' ')[0], $"--state-dir {File}: is a file, not a folder");
    }

    [Theory]
    [InlineData("status --port-offset 60000", "60000")]
    [InlineData("status --port-offset -8000", "-8000")]
    [InlineData("up --detach --port-offset 60000", "60000")]
    [InlineData("down --port-offset 56349", "56349")] // one past the highest: postgres_exporter's 9187 would be 65536
    [InlineData("backup --port-offset -3000", "-3000")] // one below the lowest: Grafana's 3000 would be 0
    public async Task A_port_offset_that_moves_a_port_out_of_range_exits_2_naming_the_allowed_offsets(string line, string offset)
    {
        var (exit, output, error) = await VerbInvoker.InvokeSplitAsync([.. line.Split(' '), "--state-dir", _paths.Root]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        var only = Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"✗ --port-offset {offset} moves ports outside 1-65535 (the default ports run from 3000 to 9187); pass an offset from -2999 to 56348 (", only, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("56348")]
    [InlineData("-2999")]
    public async Task The_extreme_port_offsets_are_accepted(string offset)
    {
        var (exit, output, _) = await VerbInvoker.InvokeSplitAsync(["down", "--json", "--state-dir", _paths.Root, "--port-offset", offset]);

        Assert.Equal(0, exit);
        using var document = JsonDocument.Parse(output);
        Assert.True(document.RootElement.GetProperty("ok").GetBoolean(), output);
    }

    [Fact]
    public async Task A_port_offset_out_of_range_with_json_prints_the_verbs_envelope_with_exit_2()
    {
        var (exit, output, _) = await VerbInvoker.InvokeSplitAsync(["doctor", "--json", "--port-offset", "57000", "--state-dir", _paths.Root]);

        Assert.Equal(2, exit);
        AssertEnvelope(output, "doctor", "--port-offset 57000 moves ports outside 1-65535");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("3601")]
    public async Task A_test_alert_timeout_out_of_range_exits_2_before_any_alert_is_posted(string timeout)
    {
        var (exit, output, _) = await VerbInvoker.InvokeSplitAsync(["test-alert", "--json", "--timeout", timeout, "--state-dir", _paths.Root, "--port-offset", Offset]);

        Assert.Equal(2, exit);
        // The parse error's envelope, not the verb's: no test_id, so no alert was made, let alone posted.
        AssertEnvelope(output, "test-alert", $"--timeout {timeout} is out of range: 1 to 3600 seconds");
    }

    [Theory]
    [InlineData("3000y", "--older-than 3000y is out of range: 0s to 100y")] // now minus 3000 years is no date
    [InlineData("100y1d", "--older-than 100y1d is out of range: 0s to 100y")]
    [InlineData("99999999999y", "--older-than 99999999999y is out of range: 0s to 100y")] // too long for the parser's ticks
    [InlineData("soon", "--older-than 'soon' is not a duration like 30d, 12h, 90m or 0s")]
    public async Task A_cleanup_older_than_out_of_range_exits_2_naming_the_flag_and_the_range(string age, string expected)
    {
        var (exit, output, error) = await VerbInvoker.InvokeSplitAsync(["cleanup", "--match", "up", "--older-than", age, "--state-dir", _paths.Root, "--port-offset", Offset]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        var only = Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("✗ " + expected, only, StringComparison.Ordinal);

        var (jsonExit, json, _) = await VerbInvoker.InvokeSplitAsync(["cleanup", "--json", "--match", "up", "--older-than", age, "--state-dir", _paths.Root, "--port-offset", Offset]);

        Assert.Equal(2, jsonExit);
        AssertEnvelope(json, "cleanup", expected);
    }

    [Fact]
    public async Task A_cleanup_older_than_of_100_years_is_accepted()
    {
        // Past the parse: no store runs, so the verb itself fails (exit 1) on the unreachable stores.
        var (exit, output, _) = await VerbInvoker.InvokeSplitAsync(["cleanup", "--json", "--dry-run", "--match", "up", "--older-than", "100y", "--state-dir", _paths.Root, "--port-offset", Offset]);

        Assert.Equal(1, exit);
        using var document = JsonDocument.Parse(output);
        Assert.StartsWith("1926-", document.RootElement.GetProperty("data").GetProperty("end").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Asserts <paramref name="output"/> is the whole verbs' envelope of a bad line: exit 2, one failure starting with <paramref name="failure"/>.</summary>
    private static void AssertEnvelope(string output, string verb, string failure)
    {
        using var document = JsonDocument.Parse(output); // the whole output: nothing but the document
        var root = document.RootElement;
        Assert.Equal(verb, root.GetProperty("verb").GetString());
        Assert.Equal(2, root.GetProperty("exit").GetInt32());
        Assert.False(root.GetProperty("ok").GetBoolean());
        Assert.Empty(root.GetProperty("data").EnumerateObject());
        var only = Assert.Single(root.GetProperty("messages").EnumerateArray());
        Assert.Equal("fail", only.GetProperty("level").GetString());
        Assert.StartsWith(failure, only.GetProperty("text").GetString(), StringComparison.Ordinal);
    }
}
