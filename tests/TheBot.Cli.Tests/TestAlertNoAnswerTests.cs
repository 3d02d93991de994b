using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>test-alert</c> against an Alertmanager that accepts the connection and never answers (stopped with SIGSTOP,
/// overloaded): within <c>--timeout</c> it says which Alertmanager did not answer and in how long, exit 1, and with
/// <c>--json</c> prints the verb's document — not a silent exit 1 after the HTTP client's 30 s. No stack runs: a
/// listener stands where the stack's Alertmanager would be.
/// </summary>
public sealed class TestAlertNoAnswerTests : IDisposable
{
    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-hung-am-");
    private readonly FakeAlertmanager _alertmanager = new(answers: false);

    public void Dispose()
    {
        _alertmanager.Dispose();
        Directory.Delete(_paths.Root, recursive: true);
    }

    private string Offset => _alertmanager.PortOffset.ToString(CultureInfo.InvariantCulture);

    private string Url => $"http://127.0.0.1:{_alertmanager.PortOffset + PortPlan.Defaults[ServiceNames.Alertmanager]}";

    [Fact]
    public async Task A_hung_Alertmanager_fails_within_the_timeout_with_the_json_document()
    {
        await RenderAsync();
        var watch = Stopwatch.StartNew();

        var (exit, output, error) = await VerbInvoker.InvokeSplitAsync(["test-alert", "--json", "--timeout", "2", "--state-dir", _paths.Root, "--port-offset", Offset]);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(1, exit);
        Assert.Equal("", error);
        using var document = JsonDocument.Parse(output); // the whole output: nothing but the document
        var root = document.RootElement;
        Assert.Equal(1, root.GetProperty("exit").GetInt32());
        Assert.True(root.GetProperty("data").TryGetProperty("test_id", out _), output);
        var fail = Assert.Single(root.GetProperty("messages").EnumerateArray(), m => m.GetProperty("level").GetString() == "fail");
        Assert.StartsWith($"Alertmanager at {Url} did not answer within 2 s", fail.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hung_Alertmanager_is_named_in_the_text_output()
    {
        await RenderAsync();

        var (exit, printed) = await VerbInvoker.InvokeAsync(["test-alert", "--timeout", "1", "--state-dir", _paths.Root, "--port-offset", Offset]);

        Assert.Equal(1, exit);
        Assert.Contains($"✗ Alertmanager at {Url} did not answer within 1 s", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", printed, StringComparison.Ordinal); // no stack trace
    }

    /// <summary>The rendered Alertmanager config (as up leaves it), whose route tree test-alert asks amtool about before it posts.</summary>
    private Task RenderAsync() =>
        new LocalStack(new StackLocation(RepositoryRoot.Find(), _paths, new PortPlan(_alertmanager.PortOffset))).RenderConfigsAsync(CancellationToken.None);
}
