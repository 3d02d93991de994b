using System.Globalization;
using TheBot.Stack;
using Xunit;

namespace TheBot.Stack.Tests;

public sealed class CommandRunnerTests
{
    [Fact]
    public async Task A_caller_that_cancels_gets_an_OperationCanceledException_and_no_command_left_running()
    {
        // A duration nobody else runs, so the process can be recognised in /proc.
        var marker = "31." + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CommandRunner.RunAsync("/bin/sleep", [marker], cancellationToken: caller.Token));
        Assert.Empty(ProcessesRunning(marker));
    }

    [Fact]
    public async Task A_command_past_its_timeout_is_killed_and_reported_as_timed_out()
    {
        var marker = "32." + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        var result = await CommandRunner.RunAsync("/bin/sleep", [marker], new CommandOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.True(result.TimedOut);
        Assert.Equal(-1, result.ExitCode);
        Assert.Empty(ProcessesRunning(marker));
    }

    private static List<int> ProcessesRunning(string argument) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ReadCommandLine(pid).Contains(argument, StringComparison.Ordinal))];

    private static string ReadCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
