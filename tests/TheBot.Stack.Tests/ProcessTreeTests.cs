using TheBot.Stack;
using Xunit;

namespace TheBot.Stack.Tests;

/// <summary>The one walk over /proc (<see cref="ProcessTree.Running"/>) that the tree helpers and the test run's leftover check share.</summary>
public sealed class ProcessTreeTests
{
    [Fact]
    public void Running_lists_this_process_with_its_identity_and_program_name()
    {
        var self = Environment.ProcessId;
        var entry = Assert.Single(ProcessTree.Running(), p => p.Process.Pid == self);
        Assert.Equal(ProcessTree.Identify(self), entry.Process);
        // comm as the kernel reports it on its own: the name LeftBehind matches on.
        Assert.Equal(File.ReadAllText("/proc/self/comm").TrimEnd('\n'), entry.Name);
        Assert.DoesNotContain(ProcessTree.Running(), p => p.Process.Pid <= 0 || p.Name.Length == 0);
    }

    [Fact]
    public async Task Killing_a_stopped_tree_returns_once_its_orphans_are_reaped_not_only_dead()
    {
        // A hung server: a parent and its child, both stopped (SIGSTOP). The parent dies first, so the child is
        // re-parented to init, which reaps it about 2 s after SIGKILL; until then its pid still answers kill(pid, 0),
        // which is how PostgreSQL's lock-file check refused a restart right after a stop.
        using var shell = System.Diagnostics.Process.Start("sh", ["-c", "sleep 4243 & wait"]);
        var root = ProcessTree.Identify(shell.Id)!.Value;
        ProcessIdentity child = default;
        for (var i = 0; i < 100 && (child = ProcessTree.Snapshot(root).FirstOrDefault(p => p.Pid != root.Pid)).Pid == 0; i++)
        {
            await Task.Delay(20);
        }

        Assert.NotEqual(0, child.Pid);
        ProcessTree.Signal(child, ProcessSignal.Stop);
        ProcessTree.Signal(root, ProcessSignal.Stop);

        var members = await ProcessTree.KillTreeAsync(root, ProcessSignal.Terminate, TimeSpan.FromMilliseconds(200));

        Assert.Contains(child, members);
        // (A pid is not reused within the moment between the return and this check.)
        Assert.False(Directory.Exists($"/proc/{child.Pid}"),
            $"pid {child.Pid} is still a zombie after KillTreeAsync returned");
    }
}
