using System.Globalization;
using TheBot.Cli.Commands;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>The component verbs' answers that need no running stack: an unknown name, stopping what does not run.</summary>
public sealed class ComponentArgumentTests : IDisposable
{
    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-args-");

    [Theory]
    [InlineData("stop")]
    [InlineData("start")]
    [InlineData("restart")]
    public async Task An_unknown_component_exits_2_and_lists_the_valid_names(string verb)
    {
        var (exit, text) = await VerbInvoker.InvokeAsync([verb, "redsi", "--state-dir", _paths.Root, "--port-offset", "12000"]);
        Assert.Equal(ComponentCommand.UnknownComponent, exit);
        Assert.Contains("✗ unknown component 'redsi'; the stack's components are: postgresql, redis, backend, frontend, node_exporter, postgres_exporter, redis_exporter, inbox, alertmanager, prometheus", text, StringComparison.Ordinal);
        Assert.Empty(ProcessSupervisor.ReadPidFiles(_paths));
    }

    [Fact]
    public async Task Stop_of_a_component_that_is_not_running_fails_and_start_without_a_stack_points_to_up()
    {
        var (stop, stopText) = await VerbInvoker.InvokeAsync(["stop", "postgres", "--state-dir", _paths.Root]);
        Assert.Equal(1, stop);
        Assert.Contains($"✗ postgresql is not running in {_paths.Root}", stopText, StringComparison.Ordinal);

        var (start, startText) = await VerbInvoker.InvokeAsync(["start", "prometheus", "--state-dir", _paths.Root, "--port-offset", 12000.ToString(CultureInfo.InvariantCulture)]);
        Assert.Equal(1, start);
        Assert.Contains($"✗ no stack in {_paths.Root} (no rendered configs); start the whole stack with ./thebot up --detach --state-dir {_paths.Root} --port-offset 12000", startText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("scale", "backend=1")]
    [InlineData("stop", "redis")]
    public async Task An_offset_other_than_the_one_up_recorded_is_refused_before_anything_runs(string verb, params string[] rest)
    {
        new PortPlan(42000).Record(_paths);

        var (exit, text) = await VerbInvoker.InvokeAsync([verb, .. rest, "--state-dir", _paths.Root, "--port-offset", "1000"]);

        Assert.Equal(2, exit);
        Assert.Contains($"✗ --port-offset 1000 is not the offset of the stack in {_paths.Root} (42000, recorded by up in {PortPlan.RecordFileOf(_paths)}); leave the flag out or pass 42000", text, StringComparison.Ordinal);
        Assert.False(File.Exists(StackTopology.FileOf(_paths)));
    }

    [Fact]
    public async Task Help_documents_the_exit_codes()
    {
        var (_, text) = await VerbInvoker.InvokeAsync(["restart", "--help"]);
        Assert.Contains("2 unknown component", text, StringComparison.Ordinal);
        Assert.Contains("--state-dir", text, StringComparison.Ordinal);
        Assert.Contains("--port-offset", text, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);
}
