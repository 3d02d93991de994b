using TheBot.Cli.Commands;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// Two backups in the same second get two folders: the second is a new copy, not a failure (the HA suite took two in
/// one second). A <c>--to</c> that cannot hold backups is bad input (exit 2, naming it), refused before any snapshot.
/// </summary>
public sealed class BackupFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("thebot-backup-folder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_second_backup_in_the_same_second_gets_the_next_free_folder()
    {
        const string stamp = "2026-12-05_132227";
        Assert.Equal(Path.Combine(_root, stamp), BackupCommand.FreeFolder(_root, stamp));
        Directory.CreateDirectory(Path.Combine(_root, stamp));
        Assert.Equal(Path.Combine(_root, stamp + "-2"), BackupCommand.FreeFolder(_root, stamp));
        Directory.CreateDirectory(Path.Combine(_root, stamp + "-2"));
        File.WriteAllText(Path.Combine(_root, stamp + "-3"), "not a folder, still taken");
        Assert.Equal(Path.Combine(_root, stamp + "-4"), BackupCommand.FreeFolder(_root, stamp));
    }

    [Theory]
    [InlineData("", "{0} is a file, where a folder is expected")]
    [InlineData("backups", "{0} is a file, where a folder is expected (to hold {0}/backups)")]
    public async Task A_to_that_is_a_file_or_under_one_is_refused_as_bad_input_before_any_snapshot(string below, string reason)
    {
        // Root may write anywhere, so a folder without permission would not fail here: a file stands in the way instead.
        var file = Path.Combine(_root, "not-a-folder");
        File.WriteAllText(file, "a file");
        var target = below.Length == 0 ? file : Path.Combine(file, below);
        var state = Path.Combine(_root, "state");

        var (exit, output) = await VerbInvoker.InvokeAsync(["backup", "--to", target, "--state-dir", state, "--port-offset", "790"]);

        Assert.True(exit == 2, output);
        Assert.Contains($"✗ --to: {string.Format(System.Globalization.CultureInfo.InvariantCulture, reason, file)}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("admin-api", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(state, "data", "prometheus", "snapshots")), "a snapshot was taken");
    }
}
