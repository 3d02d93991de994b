using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using TheBot.Testing;
using Xunit;

namespace TheBot.Stack.Tests;

public sealed class SupervisorTests : IDisposable
{
    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-supervisor-test-");

    public void Dispose()
    {
        // Whatever a failed test left running (detached or not) goes down with its folder.
        ProcessSupervisor.DownAsync(_paths).GetAwaiter().GetResult();
        Directory.Delete(_paths.Root, recursive: true);
    }

    private static ProcessSpec Shell(string name, string script, params string[] args) =>
        new(name, "/bin/sh") { Arguments = ["-c", script, name, .. args], StopGracePeriod = TimeSpan.FromSeconds(2) };

    [Fact]
    public async Task A_busy_port_fails_before_anything_starts_and_names_the_override()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var supervisor = new ProcessSupervisor(_paths);
        var first = Shell("first", "exec sleep 30");

        var error = await Assert.ThrowsAsync<PortInUseException>(() => supervisor.StartAsync(
            [first, Shell(ServiceNames.Prometheus, "exec sleep 30") with { Ports = new Dictionary<string, int> { ["http"] = port } }]));

        Assert.Equal($"port {port} (prometheus) is in use; pick another with --port-offset N", error.Message);
        Assert.Empty(supervisor.Running);
        Assert.False(File.Exists(_paths.LogFile("first")), "nothing may start before the port check");
    }

    [Fact]
    public async Task A_crashing_process_fails_the_start_with_the_tail_of_its_log()
    {
        await using var supervisor = new ProcessSupervisor(_paths);
        var spec = Shell("crasher", "for i in $(seq 1 30); do echo line $i; done; echo 'FATAL: config broken' >&2; exit 3")
            with { Readiness = ReadinessProbe.TcpConnect(Ports.GetFree()) };

        var error = await Assert.ThrowsAsync<StackStartException>(() => supervisor.StartAsync([spec]));

        Assert.Equal("crasher", error.Service);
        Assert.Contains("crasher exited with code 3 before it was ready", error.Message, StringComparison.Ordinal);
        Assert.Contains("FATAL: config broken", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 30", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 12\n", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("line 11\n", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_paths.PidFile("crasher")));
    }

    [Fact]
    public async Task A_process_that_never_gets_ready_times_out_and_is_killed()
    {
        await using var supervisor = new ProcessSupervisor(_paths);
        var sleep = Processes.UniqueSleep();
        var spec = Shell("stuck", $"echo waiting for nothing; {sleep}") with
        {
            Readiness = ReadinessProbe.HttpGet($"http://127.0.0.1:{Ports.GetFree()}/ready"),
            ReadinessTimeout = TimeSpan.FromSeconds(1),
        };

        var error = await Assert.ThrowsAsync<StackStartException>(() => supervisor.StartAsync([spec]));

        Assert.Contains("stuck did not become ready within 1 s (GET http://127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.Contains("waiting for nothing", error.Message, StringComparison.Ordinal);
        Assert.Empty(Processes.WithCommandLine(sleep));
    }

    [Fact]
    public async Task Stop_kills_the_whole_tree_of_a_runuser_wrapper_that_does_not_pass_the_signal_on()
    {
        await using var supervisor = new ProcessSupervisor(_paths);
        var sleep = Processes.UniqueSleep();
        var spec = new ProcessSpec("wrapped", "/usr/sbin/runuser")
        {
            Arguments = ["-u", "postgres", "--", "/bin/sh", "-c", $"trap '' TERM; {sleep} & {sleep} & wait"],
            Readiness = Processes.Running(sleep, 2),
            StopGracePeriod = TimeSpan.FromSeconds(1),
        };
        await supervisor.StartAsync([spec]);
        var tree = ProcessTree.Snapshot(supervisor.GetProcess("wrapped")!.Value);
        Assert.True(tree.Count >= 4, $"runuser, its child shell and two sleeps expected, got {tree.Count}");

        var stopped = await supervisor.StopAsync("wrapped");

        await Processes.AssertAllGoneAsync(tree);
        Assert.Superset(tree.ToHashSet(), stopped.ToHashSet());
        Assert.Empty(Processes.WithCommandLine(sleep));
        Assert.Empty(supervisor.Running);
    }

    [Fact]
    public async Task Starts_in_dependency_order_and_stops_in_reverse()
    {
        await using var supervisor = new ProcessSupervisor(_paths);
        var stopLog = Path.Combine(_paths.Root, "stops");
        ProcessSpec Recorder(string name, params string[] dependsOn) =>
            Shell(name, "trap 'echo $0 >> \"$1\"; exit 0' TERM; touch \"$1.$0\"; while :; do sleep 0.1; done", stopLog) with
            {
                DependsOn = dependsOn,
                Readiness = ReadinessProbe.Check("trap set", _ => Task.FromResult(File.Exists($"{stopLog}.{name}"))),
            };

        await supervisor.StartAsync([Recorder("app", "db", "cache"), Recorder("cache", "db"), Recorder("db")]);
        Assert.Equal(["db", "cache", "app"], supervisor.Running);

        await supervisor.StopAllAsync();
        Assert.Equal(["app", "cache", "db"], await File.ReadAllLinesAsync(stopLog));

        var missing = await Assert.ThrowsAsync<StackStartException>(() => supervisor.StartAsync([Recorder("web", "api")]));
        Assert.Equal("web depends on api, which is neither running nor being started", missing.Message);
    }

    [Fact]
    public async Task Setup_runs_once_after_ready_runs_every_start_and_its_failure_fails_the_start()
    {
        await using var supervisor = new ProcessSupervisor(_paths);
        var marker = Path.Combine(_paths.Root, "initialized");
        var (setups, afterReadies) = (0, 0);
        var spec = Shell("db", "sleep 30 & wait") with
        {
            Setup = new SetupStep(marker, _ =>
            {
                setups++;
                return File.WriteAllTextAsync(marker, "done");
            }),
            AfterReady = _ =>
            {
                afterReadies++;
                return Task.CompletedTask;
            },
        };

        await supervisor.StartAsync([spec]);
        await supervisor.StopAsync("db");
        await supervisor.StartAsync("db");
        Assert.Equal((1, 2), (setups, afterReadies));
        await supervisor.StopAllAsync();

        var failing = spec with { AfterReady = _ => throw new InvalidOperationException("schema missing") };
        var error = await Assert.ThrowsAsync<StackStartException>(() => supervisor.StartAsync([failing]));
        Assert.StartsWith("db became ready but its after-ready step failed: schema missing\nlast 20 lines of ", error.Message, StringComparison.Ordinal);
        Assert.Empty(supervisor.Running);
    }

    [Fact]
    public async Task A_missing_binary_names_its_debian_package()
    {
        await using var supervisor = new ProcessSupervisor(_paths);
        var error = await Assert.ThrowsAsync<StackStartException>(() =>
            supervisor.StartAsync([new ProcessSpec("ghost", "/usr/bin/thebot-ghost") { Package = "thebot-ghost-pkg" }]));
        Assert.Equal("ghost: /usr/bin/thebot-ghost is not installed; install the Debian package: apt-get install thebot-ghost-pkg", error.Message);
    }

    [Fact]
    public async Task A_detached_stack_is_refused_a_second_start_and_stopped_by_down()
    {
        var sleep = Processes.UniqueSleep();
        var spec = Shell("daemon", $"{sleep} & {sleep}") with { Readiness = Processes.Running(sleep, 2) };
        var first = new ProcessSupervisor(_paths);
        await first.StartAsync([spec]);
        var tree = ProcessTree.Snapshot(first.GetProcess("daemon")!.Value);
        first.Detach();
        await first.DisposeAsync();
        Assert.Equal(2, Processes.WithCommandLine(sleep).Count);

        await using (var second = new ProcessSupervisor(_paths))
        {
            var error = await Assert.ThrowsAsync<StackStartException>(() => second.StartAsync([spec]));
            Assert.StartsWith("daemon is already running (pid ", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(["daemon"], await ProcessSupervisor.DownAsync(_paths));
        await Processes.AssertAllGoneAsync(tree);
        Assert.Empty(ProcessSupervisor.ReadPidFiles(_paths));
    }

    [Fact]
    public async Task Stale_pid_files_are_cleaned_without_killing_whoever_owns_the_pid_now()
    {
        Directory.CreateDirectory(_paths.Pids);
        using var exited = Process.Start("/bin/true")!;
        await exited.WaitForExitAsync();
        var self = ProcessTree.Identify(Environment.ProcessId)!.Value;
        WritePidFile("dead", exited.Id, 1, "/bin/sh");
        WritePidFile("reused", self.Pid, self.StartTime, "/usr/bin/redis-server");

        Assert.All(ProcessSupervisor.ReadPidFiles(_paths), r => Assert.False(r.IsRunning));
        await using (var supervisor = new ProcessSupervisor(_paths))
        {
            await supervisor.StartAsync([Shell("dead", "sleep 30 & wait")]);
            Assert.True(ProcessSupervisor.ReadPidFiles(_paths).Single(r => r.Name == "dead").IsRunning);
        }

        Assert.Empty(await ProcessSupervisor.DownAsync(_paths));
        Assert.Empty(ProcessSupervisor.ReadPidFiles(_paths));
        Assert.True(ProcessTree.IsAlive(self));
    }

    [Fact]
    public async Task A_process_killed_behind_its_back_is_exited_and_its_pid_file_is_stale_while_the_others_stay_live()
    {
        var steady = Processes.UniqueSleep();
        var victim = Processes.UniqueSleep();
        await using var supervisor = new ProcessSupervisor(_paths);
        await supervisor.StartAsync([
            // Not exec'd: a pid file is recognised by its executable (sh) in the command line.
            Shell("steady", $"{steady}; true") with { Readiness = Processes.Running(steady, 1) },
            Shell("victim", $"{victim}; true") with { Readiness = Processes.Running(victim, 1) },
        ]);
        Assert.Empty(supervisor.Exited);
        Assert.Equal(2, ProcessSupervisor.ReadPidFiles(_paths).Count(r => r.IsRunning));

        var killed = supervisor.GetProcess("victim")!.Value;
        ProcessTree.Signal(killed, ProcessSignal.Kill);
        await Processes.AssertAllGoneAsync([killed]);

        Assert.Equal(["victim"], supervisor.Exited.Select(s => s.Name));
        Assert.Equal(["steady", "victim"], supervisor.Running);
        var (live, removed, unreadable) = ProcessSupervisor.ClearStalePidFiles(_paths);
        Assert.Equal(["steady"], live.Select(r => r.Name));
        Assert.Equal(["victim"], removed.Select(r => r.Name));
        Assert.Empty(unreadable);
        Assert.False(File.Exists(_paths.PidFile("victim")));
        Assert.True(File.Exists(_paths.PidFile("steady")));
    }

    private void WritePidFile(string name, int pid, long startTime, string executable) =>
        File.WriteAllText(_paths.PidFile(name), JsonSerializer.Serialize(
            new PidRecord(name, pid, startTime, executable, DateTimeOffset.UtcNow, ProcessSignal.Terminate, 1)));
}

public sealed class PortAndCliTests
{
    [Fact]
    public void Port_plan_adds_the_offset_to_every_spec_default()
    {
        var plan = new PortPlan(offset: 100, overrides: new Dictionary<string, int> { [ServiceNames.Redis] = 7000 });
        Assert.Equal(9090, PortPlan.Default[ServiceNames.Prometheus]);
        Assert.Equal(9190, plan[ServiceNames.Prometheus]);
        Assert.Equal(5532, plan[ServiceNames.PostgreSql]);
        Assert.Equal(7000, plan[ServiceNames.Redis]);
        // The 11 services of contract §3, Loki's gRPC port and the local inbox, then the HA topology's members:
        // backend-2…backend-9, prometheus-b, alertmanager-2/-3 and the three gossip ports, VictoriaMetrics.
        Assert.Equal(11 + 2 + (StackTopology.MaxBackends - 1) + 3 + 3 + 1, plan.All.Count);
        Assert.Equal(9096, PortPlan.Default[ServiceNames.GrpcPort(ServiceNames.Loki)]);
        Assert.Equal(9197, plan[ServiceNames.Inbox]);
        Assert.All(PortPlan.Defaults, d => Assert.Equal(d.Key == ServiceNames.Redis ? 7000 : d.Value + 100, plan[d.Key]));
        Assert.Equal(PortPlan.Defaults.Count, PortPlan.Defaults.Values.Distinct().Count());

        // An HA member never takes a single-node default, nor one 50 away modulo 100 (the tests' side-by-side offsets).
        string[] singleNode = [ServiceNames.Backend, ServiceNames.Frontend, ServiceNames.Prometheus, ServiceNames.Alertmanager, ServiceNames.Grafana,
            ServiceNames.Loki, ServiceNames.NodeExporter, ServiceNames.PostgresExporter, ServiceNames.RedisExporter, ServiceNames.PostgreSql, ServiceNames.Redis,
            ServiceNames.GrpcPort(ServiceNames.Loki), ServiceNames.Inbox];
        var single = singleNode.Select(name => PortPlan.Default[name]).ToList();
        Assert.All(PortPlan.Defaults.Where(d => !singleNode.Contains(d.Key)), d =>
            Assert.DoesNotContain(single, port => port == d.Value || Math.Abs(port - d.Value) % 100 == 50));
        Assert.Throws<KeyNotFoundException>(() => plan["nope"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PortPlan(60_000));
    }

    [Fact]
    public void Free_ports_are_free_and_never_handed_out_twice()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => Ports.GetFree()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, p => Assert.True(Ports.IsFree(p)));
    }

    [Fact]
    public async Task Cli_tool_captures_exit_code_and_both_streams_and_times_out()
    {
        var result = await CliTool.RunAsync("/bin/sh", ["-c", "echo out; echo err >&2; exit 4"]);
        Assert.Equal((4, "out\n", "err\n", false), (result.ExitCode, result.StandardOutput, result.StandardError, result.TimedOut));

        var started = Stopwatch.StartNew();
        var slow = await CliTool.RunAsync("/bin/sh", ["-c", "echo before; sleep 30"], TimeSpan.FromMilliseconds(300));
        Assert.True(slow.TimedOut);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10));

        var missing = Assert.Throws<InvalidOperationException>(() => CliTool.Require("/usr/bin/promtool-missing", "prometheus"));
        Assert.Contains("apt-get install prometheus", missing.Message, StringComparison.Ordinal);
    }
}
