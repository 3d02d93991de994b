using System.Diagnostics;
using TheBot.Cli.Setup;
using TheBot.Cli.TestRuns;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>The program names the leftover check looks for come from the components' binaries, named as the kernel names them.</summary>
public sealed class LeftBehindTests
{
    [Fact]
    public async Task A_long_named_component_binary_is_recognised_by_the_name_the_kernel_gives_its_process()
    {
        // /usr/bin/prometheus-node-exporter's process is "prometheus-node" in /proc/PID/comm: a stand-in of that name
        // (a link to sleep) shows the rule on a real process without starting the exporter.
        var folder = Directory.CreateTempSubdirectory("thebot-leftbehind-").FullName;
        try
        {
            var standIn = Path.Combine(folder, Path.GetFileName(TheBot.Stack.Components.NodeExporter.Executable));
            File.CreateSymbolicLink(standIn, "/bin/sleep");
            using var process = Process.Start(standIn, "30");
            try
            {
                var comm = string.Empty;
                for (var i = 0; i < 50 && comm != LeftBehind.ProgramName(standIn); i++)
                {
                    await Task.Delay(20); // until exec has replaced the forked runtime's name
                    comm = (await File.ReadAllTextAsync($"/proc/{process.Id}/comm")).TrimEnd('\n');
                }

                Assert.Equal("prometheus-node", comm);
                Assert.Equal(comm, LeftBehind.ProgramName(standIn));
                Assert.Contains(comm, LeftBehind.StackPrograms);
                Assert.Contains(ProcessTree.Running(), p => p.Process.Pid == process.Id && LeftBehind.StackPrograms.Contains(p.Name));
            }
            finally
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Every_component_binary_is_looked_for_and_the_shell_is_not()
    {
        Assert.All(DebianPackageMap.Binaries.Where(b => b.Package != "dash"), b => Assert.Contains(LeftBehind.ProgramName(b.Binary), LeftBehind.StackPrograms));
        Assert.Contains("postgres", LeftBehind.StackPrograms);
        Assert.Contains("victoria-metric", LeftBehind.StackPrograms);
        Assert.DoesNotContain("sh", LeftBehind.StackPrograms);
    }
}
