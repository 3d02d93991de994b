using System.Diagnostics;
using TheBot.Cli.Output;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// How <c>test</c> and setup run dotnet and apt-get (<see cref="StreamedCommand"/>): both streams reach the
/// invocation's writer with the exit code, and cancelling kills the command's whole tree instead of leaving it running.
/// </summary>
public sealed class StreamedCommandTests
{
    [Fact]
    public async Task Both_streams_reach_the_writer_and_the_exit_code_is_returned()
    {
        var output = new StringWriter();
        var exit = await StreamedCommand.RunAsync(Shell("echo out; echo err >&2; exit 3"), output, CancellationToken.None);

        Assert.Equal(3, exit);
        Assert.Equal(["err", "out"], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Cancelling_kills_the_command_and_its_children()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"thebot-streamed-{Guid.NewGuid():N}");
        try
        {
            using var cancel = new CancellationTokenSource();
            // The child sleeps in a grandchild, so only a kill of the whole tree ends it.
            var run = StreamedCommand.RunAsync(Shell($"sleep 60 & echo $! > {pidFile}; wait"), TextWriter.Null, cancel.Token);
            await WaitForAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0);
            var grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var watch = Stopwatch.StartNew();
            await cancel.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
            await WaitForAsync(() => !Directory.Exists($"/proc/{grandchild}"));
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    private static ProcessStartInfo Shell(string script) => new("/bin/sh") { ArgumentList = { "-c", script } };

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "not within 10 s");
            await Task.Delay(50);
        }
    }
}
