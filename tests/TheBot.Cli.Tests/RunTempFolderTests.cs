using System.Diagnostics;
using TheBot.Cli.TestRuns;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>The temp folder a test run gives everything it starts: reachable by PostgreSQL's user, watched for leftovers, then gone.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RunTempFolderTests
{
    [Fact]
    public async Task A_child_process_gets_the_folder_as_its_temp_folder_and_other_users_can_traverse_it()
    {
        var run = RunTempFolder.Create();
        try
        {
            Assert.StartsWith(Path.Combine(Path.GetTempPath(), "thebot-run-"), run.Path, StringComparison.Ordinal);
            Assert.True(File.GetUnixFileMode(run.Path).HasFlag(UnixFileMode.OtherExecute), "PostgreSQL runs as its own user and must reach the stacks' folders");

            // mktemp, as the SDK's and the tools' temp files do, follows TMPDIR.
            var start = new ProcessStartInfo("mktemp", "-d") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var (name, value) in run.Environment)
            {
                start.Environment[name] = value;
            }

            using var mktemp = Process.Start(start)!;
            var made = (await mktemp.StandardOutput.ReadToEndAsync()).Trim();
            await mktemp.WaitForExitAsync();
            Assert.Equal(run.Path, Path.GetDirectoryName(made));
        }
        finally
        {
            Assert.Null(run.Delete());
        }

        Assert.False(Directory.Exists(run.Path));
        Assert.Null(run.Delete()); // already gone: nothing to report
    }

    [Fact]
    public async Task A_thebot_entry_left_in_the_run_folder_is_reported_and_the_sdks_own_folders_are_not()
    {
        var run = RunTempFolder.Create();
        try
        {
            // Only this run's folder: other test classes make thebot-* entries in the process's temp folder meanwhile.
            string[] tempFolders = [run.Path];
            var before = LeftBehind.Snapshot(tempFolders);
            var leftover = Directory.CreateDirectory(Path.Combine(run.Path, "thebot-test-forgotten")).FullName;
            Directory.CreateDirectory(Path.Combine(run.Path, "Ab3dE9")); // what `dotnet build` leaves: the folder's deletion takes it

            var left = await LeftBehind.SinceAsync(before, tempFolders, TimeSpan.Zero);

            Assert.Equal([$"temp entry {leftover}"], left);
        }
        finally
        {
            Assert.Null(run.Delete());
        }
    }
}
