using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TheBot.Cli.Tests;

/// <summary>
/// Foreground <c>./thebot up</c> as a user runs it: the real CLI process with the real stack on free ports in a temp
/// state folder. A service killed behind its back is reported by the status stream; Ctrl+C (SIGINT) stops every
/// process of the stack before the CLI exits, and so does a hang-up (SIGHUP: the terminal closed), a component
/// restarted meanwhile by another CLI included; a CLI killed outright leaves its services running, and the next
/// <c>up</c> says to run <c>down</c> instead of blaming the ports, and cleans the pid files of processes that are gone.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Stack)]
[Collection(TemporaryStack.Collection)]
public sealed class ForegroundUpTests(ITestOutputHelper output) : OwnStackTest
{
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task Status_names_a_killed_service_and_Ctrl_C_stops_every_process_of_the_stack()
    {
        await using var cli = StartUp();
        await cli.WaitForOutputAsync("Ctrl+C stops everything.", UpTimeout);
        var records = ProcessSupervisor.ReadPidFiles(Location.Paths);
        var processes = records.SelectMany(r => ProcessTree.Snapshot(r.Identity)).ToList();
        Assert.True(records.Count >= 10, $"only {records.Count} pid files: {string.Join(", ", records.Select(r => r.Name))}");

        var victim = records.Single(r => r.Name == ServiceNames.RedisExporter);
        ProcessTree.Signal(victim.Identity, ProcessSignal.Kill);
        await cli.WaitForOutputAsync($"✗ {ServiceNames.RedisExporter} went down; its log: {Location.Paths.LogFile(ServiceNames.RedisExporter)}", UpTimeout);
        await cli.WaitForOutputAsync($"{records.Count - 1}/{records.Count} processes running (down: {ServiceNames.RedisExporter})", UpTimeout);

        // A service that is slow to shut down (frozen here, as Prometheus can be while it writes its head block) makes
        // the stop outlast a short termination timeout: Ctrl+C must still wait for the whole stack.
        var slow = records.Single(r => r.Name == ServiceNames.Prometheus);
        Freeze(slow.Identity);
        var watch = Stopwatch.StartNew();
        cli.Signal(ProcessSignal.Interrupt);
        var exit = await cli.WaitForExitAsync(UpCommand.StopTimeout + TimeSpan.FromMinutes(1));
        Report.Line(output, $"Ctrl+C: the CLI exited with {exit} after {watch.Elapsed.TotalSeconds:F1} s, having stopped {records.Count} services ({processes.Count} processes)");

        AssertAllGone(processes, "Ctrl+C", cli);
        Assert.Equal(0, exit);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(10), $"the frozen {slow.Name} must have been given its 10 s grace, the stop took {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("✓ stopped; data kept in", cli.Output, StringComparison.Ordinal);
        Assert.Empty(ProcessSupervisor.ReadPidFiles(Location.Paths));
    }

    [Fact]
    public async Task A_hang_up_stops_every_process_of_the_stack_like_Ctrl_C()
    {
        // The terminal closed or the SSH session dropped: SIGHUP's default action would end the CLI at once.
        await using var cli = StartUp();
        await cli.WaitForOutputAsync("Ctrl+C stops everything.", UpTimeout);
        var records = ProcessSupervisor.ReadPidFiles(Location.Paths);
        var processes = records.SelectMany(r => ProcessTree.Snapshot(r.Identity)).ToList();

        cli.Signal(ProcessSignal.Hangup);
        var exit = await cli.WaitForExitAsync(UpCommand.StopTimeout + TimeSpan.FromMinutes(1));

        AssertAllGone(processes, "SIGHUP", cli);
        Assert.Equal(0, exit);
        Assert.Contains("✓ stopped; data kept in", cli.Output, StringComparison.Ordinal);
        Assert.Empty(ProcessSupervisor.ReadPidFiles(Location.Paths));
    }

    [Fact]
    public async Task Ctrl_C_also_stops_a_component_restarted_meanwhile_by_another_CLI()
    {
        await using var cli = StartUp();
        await cli.WaitForOutputAsync("Ctrl+C stops everything.", UpTimeout);
        var records = ProcessSupervisor.ReadPidFiles(Location.Paths);
        var processes = records.SelectMany(r => ProcessTree.Snapshot(r.Identity)).ToList();

        // restart writes a new pid file for a new process: the up that started the old one must not delete it by name
        // and leave the new one running with nothing (down included) to find it.
        var (restartExit, restartText) = await VerbInvoker.InvokeAsync(["restart", ServiceNames.RedisExporter,
            "--state-dir", Location.Paths.Root, "--port-offset", Location.Ports.Offset.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(restartExit == 0, restartText);
        var restarted = ProcessSupervisor.ReadPidFiles(Location.Paths).Single(r => r.Name == ServiceNames.RedisExporter);
        Assert.NotEqual(records.Single(r => r.Name == ServiceNames.RedisExporter).Identity, restarted.Identity);
        processes.AddRange(ProcessTree.Snapshot(restarted.Identity));

        cli.Signal(ProcessSignal.Interrupt);
        var exit = await cli.WaitForExitAsync(UpCommand.StopTimeout + TimeSpan.FromMinutes(1));

        AssertAllGone(processes, "Ctrl+C", cli);
        Assert.Equal(0, exit);
        Assert.Empty(ProcessSupervisor.ReadPidFiles(Location.Paths));
    }

    [Fact]
    public async Task A_second_up_after_a_crash_points_to_down_while_services_live_and_clears_their_pid_files_once_they_are_gone()
    {
        await using (var cli = StartUp())
        {
            await cli.WaitForOutputAsync("Ctrl+C stops everything.", UpTimeout);
            cli.Signal(ProcessSignal.Kill);
            await cli.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        var records = ProcessSupervisor.ReadPidFiles(Location.Paths);
        Assert.All(records, r => Assert.True(r.IsRunning, $"{r.Name} did not survive the crash of its CLI"));

        var again = new StringWriter();
        var exit = await UpCommand.RunAsync(Location, detach: true, noBuild: true, again, CancellationToken.None);
        Assert.Equal(1, exit);
        var text = again.ToString();
        Assert.Contains($"✗ the stack in {Location.Paths.Root} is already running (", text, StringComparison.Ordinal);
        Assert.All(records, r => Assert.Contains($"{r.Name} pid {r.Pid}", text, StringComparison.Ordinal));
        Assert.Contains($"stop it first with ./thebot down --state-dir {Location.Paths.Root} --port-offset {Location.Ports.Offset}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("in use", text, StringComparison.Ordinal);
        Assert.All(records, r => Assert.True(r.IsRunning, $"{r.Name} was touched by the refused up"));

        // The services crash too: their pid files are stale now. A squatter on a port stops this up right after the pid
        // check, so nothing is started again; the stale files must be gone and named all the same.
        output.WriteLine("pid files after the crash: " + string.Join(", ", records.Select(r => $"{r.Name} pid {r.Pid} (start {r.StartTime})")));
        foreach (var record in records)
        {
            await ProcessTree.KillTreeAsync(record.Identity, ProcessSignal.Kill, TimeSpan.Zero);
        }

        // A CI run once found the frontend "already running" right after this loop: either a process outlived its kill
        // or its pid file changed under the test. The state of each is printed and asserted, so the next time says which.
        var lingering = records.Where(r => r.IsRunning).Select(r => $"{r.Name} pid {r.Pid}: {ProcessTree.CommandLine(r.Pid)}").ToList();
        Assert.True(lingering.Count == 0, "still running after SIGKILL of its tree: " + string.Join("; ", lingering));
        var now = ProcessSupervisor.ReadPidFiles(Location.Paths);
        Assert.True(now.Select(r => (r.Name, r.Pid)).ToHashSet().SetEquals(records.Select(r => (r.Name, r.Pid))),
            "the pid files changed since the crash: " + string.Join(", ", now.Select(r => $"{r.Name} pid {r.Pid}")));

        using var squatter = new TcpListener(System.Net.IPAddress.Loopback, Location.Ports[ServiceNames.Prometheus]);
        squatter.Start();
        var third = new StringWriter();
        Assert.Equal(1, await UpCommand.RunAsync(Location, detach: true, noBuild: true, third, CancellationToken.None));
        output.WriteLine(third.ToString());
        var removedLine = third.ToString().Split('\n').Single(l => l.StartsWith("✓ removed stale pid files of ", StringComparison.Ordinal));
        Assert.All(records, r => Assert.Contains(r.Name, removedLine, StringComparison.Ordinal));
        Assert.Empty(ProcessSupervisor.ReadPidFiles(Location.Paths));
        Assert.Contains($"port {Location.Ports[ServiceNames.Prometheus]} (prometheus) is in use", third.ToString(), StringComparison.Ordinal);
    }

    private static void AssertAllGone(IEnumerable<ProcessIdentity> processes, string after, CliProcess cli)
    {
        var alive = processes.Where(ProcessTree.IsAlive).Select(p => $"{p.Pid} {ProcessTree.CommandLine(p.Pid)}").ToList();
        Assert.True(alive.Count == 0, $"still alive after {after}: " + string.Join("; ", alive) + "\noutput:\n" + cli.Output);
    }

    private static void Freeze(ProcessIdentity process)
    {
        using var kill = Process.Start("/bin/kill", ["-STOP", process.Pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private CliProcess StartUp() =>
        CliProcess.Start("up", "--state-dir", Location.Paths.Root, "--port-offset", Location.Ports.Offset.ToString(CultureInfo.InvariantCulture));
}
