using TheBot.Cli.Commands;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>backup</c>'s verification with the real <c>promtool tsdb list</c>: a snapshot that captured nothing (no block,
/// no head chunks; promtool prints its header and exits 0) fails. A real snapshot passes in <see cref="StackVerbTests"/>.
/// </summary>
public sealed class BackupVerificationTests
{
    [Fact]
    public async Task A_snapshot_with_no_block_and_an_empty_head_fails()
    {
        var folder = Directory.CreateTempSubdirectory("thebot-empty-backup-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "chunks_head"));
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => BackupCommand.VerifyAsync(folder, CancellationToken.None));
            Assert.Equal($"nothing was captured: promtool tsdb list {folder} shows 0 block(s) with 0 samples and the snapshot has no head chunks", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
