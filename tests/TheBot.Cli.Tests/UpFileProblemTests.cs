using System.Globalization;
using System.Text.Json.Nodes;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// An <c>up</c> that cannot write a file of its state folder (a folder where a log or pid file goes, a file where the
/// secrets folder goes) fails with exit 1 and a message naming the file and what is wrong with it, never an exception
/// out of the verb, and leaves no process running: what it had started is stopped again, and a process whose pid
/// file cannot be written is killed at once, as <c>down</c> could never find it. The real stack on free ports in a temp
/// state folder.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Stack)]
[Collection(TemporaryStack.Collection)]
public sealed class UpFileProblemTests : OwnStackTest
{
    [Fact]
    public async Task A_file_where_the_secrets_folder_goes_fails_up_with_its_json_document()
    {
        await File.WriteAllTextAsync(Location.Paths.Secrets, string.Empty);

        var (exit, output, error) = await VerbInvoker.InvokeSplitAsync(["up", "--detach", "--json", "--no-build",
            "--state-dir", Location.Paths.Root, "--port-offset", Location.Ports.Offset.ToString(CultureInfo.InvariantCulture)]);

        Assert.True(exit == 1, output + error);
        var document = JsonNode.Parse(output)!;
        Assert.False(document["ok"]!.GetValue<bool>());
        Assert.Equal(1, document["exit"]!.GetValue<int>());
        var failure = document["messages"]!.AsArray().Single(m => m!["level"]!.GetValue<string>() == "fail")!["text"]!.GetValue<string>();
        Assert.Equal($"cannot write the configs and secrets into {Location.Paths.Root}: {Location.Paths.Secrets} is a file, where a folder is expected", failure);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        AssertNothingRuns();
    }

    [Theory]
    [InlineData("log", "was not started: its log cannot be written: {0} is a folder, where a file is expected")]
    [InlineData("pid", "was stopped right after its start: its pid file cannot be written, so nothing could stop it later: {0} is a folder, where a file is expected")]
    public async Task A_folder_where_a_file_of_prometheus_goes_fails_up_and_stops_what_it_started(string kind, string reason)
    {
        // Prometheus starts after the databases, the services and Alertmanager: they run when its start fails.
        var path = kind == "log" ? Location.Paths.LogFile(ServiceNames.Prometheus) : Location.Paths.PidFile(ServiceNames.Prometheus);
        Directory.CreateDirectory(path);
        var printed = new StringWriter();

        var exit = await UpCommand.RunAsync(Location, detach: true, noBuild: true, printed, CancellationToken.None);

        var text = printed.ToString();
        Assert.True(exit == 1, text);
        Assert.Contains($"✓ {ServiceNames.Alertmanager} ready", text, StringComparison.Ordinal);
        Assert.Contains($"✗ {ServiceNames.Prometheus} {string.Format(CultureInfo.InvariantCulture, reason, path)}", text, StringComparison.Ordinal);
        AssertNothingRuns();
    }

    /// <summary>No pid file of the stack is left, every port of its plan is free, and no process names its state folder.</summary>
    private void AssertNothingRuns()
    {
        Assert.Empty(ProcessSupervisor.ReadPidFiles(Location.Paths));
        Assert.All(Location.Ports.All, p => Assert.True(Ports.IsFree(p.Value), $"{p.Key} still listens on {p.Value}"));
        var left = ProcessTree.Running()
            .Select(p => (p.Process.Pid, CommandLine: ProcessTree.CommandLine(p.Process.Pid) ?? string.Empty))
            .Where(p => p.CommandLine.Contains(Location.Paths.Root, StringComparison.Ordinal))
            .Select(p => $"{p.Pid} {p.CommandLine}")
            .ToList();
        Assert.True(left.Count == 0, "still running: " + string.Join("; ", left));
    }
}
