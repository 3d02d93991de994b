using System.Diagnostics;
using TheBot.Cli.Diagnostics.Doctor;
using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// doctor's line of one service reads from /proc once whether its process or a dependency's is stopped: the fix printed
/// under a failed line answers what that line found, also when the process was resumed between the two (doctor asks
/// for the fix after the probe). The services are <c>sleep</c> processes with a readiness probe that never passes;
/// no stack runs.
/// </summary>
public sealed class ServiceReadyCheckTests : IDisposable
{
    private static readonly ReadinessProbe NeverReady = ReadinessProbe.Check("an answer that never comes", _ => Task.FromResult(false));

    private readonly StackLocation _location = new(RepositoryRoot.Find(), StackPaths.CreateTemporary("thebot-doctor-check-"), new PortPlan(0));
    private readonly List<Process> _sleepers = [];

    public void Dispose()
    {
        foreach (var sleeper in _sleepers)
        {
            sleeper.Kill();
            sleeper.WaitForExit();
            sleeper.Dispose();
        }

        Directory.Delete(_location.Paths.Root, recursive: true);
    }

    [Fact]
    public async Task The_fix_resumes_the_pids_the_line_found_stopped()
    {
        var redis = Sleep(ServiceNames.Redis);
        var check = Check(new ProcessSpec(ServiceNames.Redis, "/usr/bin/sleep") { Ports = Port(6379), Readiness = NeverReady }, redis);

        await SignalAsync(redis, ProcessSignal.Stop);
        var (ok, detail) = await check.ProbeAsync(CancellationToken.None);
        await SignalAsync(redis, ProcessSignal.Continue);

        Assert.False(ok);
        Assert.Equal($"pid {redis.Pid} is stopped (state T, SIGSTOP or a debugger: pids {redis.Pid}), so it answers nothing", detail);
        Assert.Equal($"resume it: kill -CONT {redis.Pid} (or restart it: ./thebot restart redis{StackOptions.StateFlags(_location)})", check.Fix);
    }

    [Fact]
    public async Task The_fix_names_the_dependency_the_line_found_stopped()
    {
        var redis = Sleep(ServiceNames.Redis);
        var backend = Sleep(ServiceNames.Backend);
        var spec = new ProcessSpec(ServiceNames.Backend, "/usr/bin/sleep") { Ports = Port(8000), Readiness = NeverReady, DependsOn = [ServiceNames.Redis] };
        var check = Check(spec, backend, redis);

        await SignalAsync(redis, ProcessSignal.Stop);
        var (ok, detail) = await check.ProbeAsync(CancellationToken.None);
        await SignalAsync(redis, ProcessSignal.Continue);

        Assert.False(ok);
        Assert.Equal($"pid {backend.Pid} runs but is not ready (expected: {NeverReady.Description}); it depends on redis, which is stopped (SIGSTOP)", detail);
        Assert.Equal("it waits on redis, which is stopped (SIGSTOP): fix redis first (its own check above says how)", check.Fix);
    }

    private static Dictionary<string, int> Port(int port) => new() { ["tcp"] = port };

    private ServiceReadyCheck Check(ProcessSpec spec, params PidRecord[] records) =>
        new(new DoctorContext(_location), spec, records.ToDictionary(r => r.Name));

    /// <summary>Starts <c>sleep</c> and returns the pid record a stack would have written for it as <paramref name="name"/>.</summary>
    private PidRecord Sleep(string name)
    {
        var sleeper = Process.Start("/usr/bin/sleep", "300");
        _sleepers.Add(sleeper);
        var identity = ProcessTree.Identify(sleeper.Id) ?? throw new InvalidOperationException($"sleep (pid {sleeper.Id}) is gone");
        return new PidRecord(name, identity.Pid, identity.StartTime, "/usr/bin/sleep", DateTimeOffset.UtcNow, ProcessSignal.Terminate, 1);
    }

    /// <summary>Sends SIGSTOP or SIGCONT and waits until /proc shows the process stopped or running again.</summary>
    private static Task SignalAsync(PidRecord record, ProcessSignal signal)
    {
        ProcessTree.Signal(record.Identity, signal);
        var stopped = signal == ProcessSignal.Stop;
        return Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () =>
            Task.FromResult(ProcessTree.Stopped(record.Identity).Count > 0 == stopped ? null : $"pid {record.Pid} not yet {(stopped ? "stopped" : "resumed")}"));
    }
}
