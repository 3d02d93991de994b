using System.Text.Json;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Cli.Output;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>up --native-histograms</c> without starting anything: every Prometheus replica of either topology gets
/// <c>--enable-feature=native-histograms</c> (next to exemplar storage), the mode is recorded in the state folder so
/// later verbs build the same specs, and plain <c>up</c> stays classic; the flag is a real option of <c>up</c>.
/// </summary>
public sealed class NativeHistogramModeTests : IDisposable
{
    private const string Feature = "--enable-feature=native-histograms";
    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-native-mode-test-");
    private readonly StackLocation _location;

    public NativeHistogramModeTests() => _location = new StackLocation(RepositoryRoot.Find(), _paths, new PortPlan(350));

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public async Task Every_Prometheus_replica_runs_in_the_recorded_mode(bool ha, bool native)
    {
        var topology = (ha ? StackTopology.Ha(2) : StackTopology.Single) with { NativeHistograms = native };
        await new LocalStack(_location, topology: topology).RenderConfigsAsync(CancellationToken.None);

        // A later verb (status, start prometheus) reads the mode back from the state folder.
        Assert.Equal(topology, StackTopology.Load(_paths));
        var later = new LocalStack(_location);
        Assert.Equal(ha ? 2 : 1, later.Prometheuses.Count);
        foreach (var spec in later.Specs().Where(s => ServiceNames.KindOf(s.Name) == ServiceNames.Prometheus))
        {
            Assert.Equal(native ? 1 : 0, spec.Arguments.Count(a => a == Feature));
            Assert.Contains("--enable-feature=exemplar-storage", spec.Arguments);
        }

        var row = ServiceTable.Rows(later, []).First(r => r.Service.StartsWith("Prometheus", StringComparison.Ordinal));
        Assert.EndsWith("histograms: " + (native ? "native" : "classic"), row.Credentials, StringComparison.Ordinal);
    }

    [Fact]
    public void A_state_folder_from_before_the_flag_is_classic()
    {
        File.WriteAllText(StackTopology.FileOf(_paths), """{"topology":"ha","backends":3}""");
        Assert.Equal(StackTopology.Ha(3), StackTopology.Load(_paths));
        Assert.False(StackTopology.Load(_paths).NativeHistograms);
    }

    [Fact]
    public async Task The_flag_is_an_option_of_up_and_bad_topology_flags_beside_it_are_still_refused()
    {
        var (exit, text) = await VerbInvoker.InvokeAsync(["up", "--native-histograms", "--backends", "3", "--state-dir", _paths.Root]);
        Assert.True(exit == ParseErrorReport.ExitCode, $"exit {exit}: {text}");
        Assert.Contains("--backends needs --topology ha", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exemplar-storage,native-histograms", "native")]
    [InlineData("native-histograms", "native")]
    [InlineData("exemplar-storage", "classic")]
    [InlineData("", "classic")]
    public void Status_reads_the_mode_from_the_running_Prometheus_flags(string features, string mode)
    {
        // The shape of /api/v1/status/flags: Prometheus 2.42 joins repeated --enable-feature values with commas.
        using var flags = JsonDocument.Parse(JsonSerializer.Serialize(new { status = "success", data = new Dictionary<string, string> { ["enable-feature"] = features } }));
        Assert.Equal(mode, TheBot.Stack.Components.Prometheus.HistogramModeOf(flags.RootElement));
    }
}
