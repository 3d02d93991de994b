using TheBot.Cli.Output;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// Long steps of <c>up</c>: on a terminal a spinner with the elapsed seconds that keeps moving until the outcome
/// replaces it; in a log or a pipe only the outcome, as one plain line.
/// </summary>
public sealed class SpinnerTests
{
    [Fact]
    public async Task On_a_terminal_it_animates_with_the_elapsed_time_until_the_outcome_replaces_it()
    {
        var output = new LockedWriter();
        var step = Spinner.Start(output, "waiting for GET http://127.0.0.1:1/ready", animate: true);
        // Until it has redrawn a few times and counted a second (at least 1.6 s): the frames come every 100 ms, but a
        // full run's parallel tests can hold the thread pool long enough that a fixed 1.6 s saw only 3 of them.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(1.6)
               || (waited.Elapsed < TimeSpan.FromSeconds(20) && (Frames(output.Snapshot()).Length < 5 || !output.Snapshot().Contains("(1 s)", StringComparison.Ordinal))))
        {
            await Task.Delay(50);
        }

        await step.DoneAsync("✓ backend ready (1.6 s)");
        await step.DisposeAsync();

        var frames = Frames(output.Snapshot());
        Assert.True(frames.Length >= 5, $"the spinner must be redrawn while waiting, got {frames.Length} frames");
        Assert.Contains(frames, f => f.EndsWith("waiting for GET http://127.0.0.1:1/ready (0 s)\u001b[K", StringComparison.Ordinal));
        Assert.Contains(frames, f => f.EndsWith("waiting for GET http://127.0.0.1:1/ready (1 s)\u001b[K", StringComparison.Ordinal));
        Assert.True(frames.Select(f => f[0]).Distinct().Count() >= 3, "the spinner character must change");
        Assert.Equal("✓ backend ready (1.6 s)\u001b[K" + Environment.NewLine, frames[^1]);
        Assert.True(step.Elapsed >= TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task In_a_log_only_the_outcome_is_written()
    {
        var output = new StringWriter();
        await using var step = Spinner.Start(output, "building TheBot.Api");
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await step.DoneAsync("✓ built TheBot.Api (0.3 s)");

        Assert.Equal("✓ built TheBot.Api (0.3 s)" + Environment.NewLine, output.ToString());
    }

    private static string[] Frames(string text) => text.Split('\r', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A StringWriter the spinner's timer and the test can share: writes and reads take one lock.</summary>
    private sealed class LockedWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public override void Write(char value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (_gate)
            {
                base.Write(buffer, index, count);
            }
        }

        public string Snapshot()
        {
            lock (_gate)
            {
                return ToString();
            }
        }
    }
}
