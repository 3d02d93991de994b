using TheBot.Cli.Setup;
using TheBot.Stack;

namespace TheBot.Testing;

/// <summary>HTTP and polling helpers shared by the fixtures.</summary>
public static class TestHttp
{
    /// <summary>One client for all fixtures (10 s timeout).</summary>
    public static HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Polls <paramref name="condition"/> until true; throws <see cref="TimeoutException"/> with <paramref name="describe"/>'s text.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"after {timeout.TotalSeconds:0.#} s: {describe()}");
            }

            await Task.Delay(200);
        }
    }
}

/// <summary>Runs a command-line tool (promtool, amtool, thebot, ...) and captures exit code, stdout and stderr.</summary>
public static class CliTool
{
    /// <summary>Runs <paramref name="executable"/> with <paramref name="arguments"/>; it is killed after <paramref name="timeout"/> (default 60 s).</summary>
    public static Task<CommandResult> RunAsync(
        string executable, IEnumerable<string> arguments, TimeSpan? timeout = null, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, string? standardInput = null) =>
        CommandRunner.RunAsync(Require(executable), arguments, new CommandOptions
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
            WorkingDirectory = workingDirectory,
            Environment = environment,
            StandardInput = standardInput,
        });

    /// <summary>
    /// Returns <paramref name="executable"/> when it exists; otherwise fails with the Debian package to install
    /// (<see cref="DebianPackageMap.For"/>, else the file's name; <paramref name="package"/> overrides).
    /// </summary>
    public static string Require(string executable, string? package = null)
    {
        if (File.Exists(executable) || !Path.IsPathRooted(executable))
        {
            return executable;
        }

        // The product's map, which setup installs from: a list of its own here named packages setup never installs.
        package ??= DebianPackageMap.For(executable) ?? Path.GetFileName(executable);
        throw new InvalidOperationException($"{executable} is not installed; install the Debian package: apt-get install {package}");
    }
}
