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
}
