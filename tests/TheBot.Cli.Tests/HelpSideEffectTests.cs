using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// Asking for help, or giving a line that does not parse, leaves the disk as it was: once every stack verb made the
/// folder <c>--state-dir</c> named while the line was still being parsed, so <c>./thebot status --state-dir X --help</c>
/// created X. The folder is made only when the verb itself runs. No stack runs.
/// </summary>
public sealed class HelpSideEffectTests : IDisposable
{
    private readonly DirectoryInfo _parent = Directory.CreateTempSubdirectory("thebot-help-");

    /// <summary>A state folder no test may create.</summary>
    private string StateDir => Path.Combine(_parent.FullName, "never-made");

    public void Dispose() => _parent.Delete(recursive: true);

    // check and test take no --state-dir: the stack verbs are every verb that could make one.
    [Theory]
    [MemberData(nameof(StackFlagValidationTests.StackVerbs), MemberType = typeof(StackFlagValidationTests))]
    public async Task Help_of_every_verb_creates_no_state_folder(string line)
    {
        var (exit, output, _) = await VerbInvoker.InvokeSplitAsync([.. line.Split(' '), "--state-dir", StateDir, "--help"]);

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(StateDir), $"./thebot {line} --help created {StateDir}");
    }

    [Theory]
    [InlineData("status --no-such-flag")]
    [InlineData("down --port-offset many")]
    [InlineData("up --detach --port-offset 60000")]
    [InlineData("test-alert --timeout 0")]
    [InlineData("up --detach --topology triple")]
    [InlineData("up --detach --backends 3")]
    [InlineData("up --detach --topology ha --backends 10")]
    public async Task A_line_that_does_not_parse_creates_no_state_folder(string line)
    {
        var (exit, _, error) = await VerbInvoker.InvokeSplitAsync([.. line.Split(' '), "--state-dir", StateDir]);

        Assert.Equal(2, exit);
        Assert.StartsWith("✗ ", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(StateDir), $"./thebot {line} created {StateDir}");
    }

    [Fact]
    public async Task The_verb_itself_still_makes_its_state_folder()
    {
        var (exit, output, _) = await VerbInvoker.InvokeSplitAsync(["down", "--json", "--state-dir", StateDir]);

        Assert.True(exit == 0, output);
        Assert.True(Directory.Exists(StateDir), $"./thebot down did not make {StateDir}");
    }
}
