using TheBot.Cli.Commands;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>Two backups in the same second get two folders: the second is a new copy, not a failure (the HA suite took two in one second).</summary>
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
}
