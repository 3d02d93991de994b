using TheBot.Cli.Setup;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>Runs the real command-line tools. A missing tool FAILS the test with the package to install; nothing is skipped.</summary>
public static class Tools
{
    /// <summary>The absolute path of <paramref name="tool"/> on PATH; fails the test when it is not installed.</summary>
    public static string Require(string tool)
    {
        if (ExecutableSearch.OnPath(tool) is { } found)
        {
            return found;
        }

        Assert.Fail($"'{tool}' is not installed (not on PATH). Install it: apt-get install -y {DebianPackageMap.For(tool) ?? tool}  (or run ./thebot test, which installs what the tests need)");
        return tool;
    }

    /// <summary>Runs <paramref name="tool"/> and returns its result (exit code, stdout, stderr).</summary>
    public static Task<CommandResult> RunAsync(
        string tool, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, TimeSpan? timeout = null) =>
        CliTool.RunAsync(Require(tool), arguments, timeout ?? TimeSpan.FromSeconds(90), workingDirectory, environment);

    /// <summary>Runs <paramref name="tool"/> and fails the test, showing its output, unless it exits 0.</summary>
    public static async Task<CommandResult> RunOkAsync(
        string tool, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var args = arguments.ToList();
        var result = await RunAsync(tool, args, environment, workingDirectory, timeout);
        Assert.True(
            result.Succeeded,
            $"{tool} {string.Join(' ', args)} {(result.TimedOut ? "timed out" : $"exited {result.ExitCode}")}\n--- stdout\n{result.StandardOutput}\n--- stderr\n{result.StandardError}");
        return result;
    }
}
