using TheBot.Stack;
using TheBot.Testing;
using Xunit;

namespace TheBot.Stack.Tests;

/// <summary>Assertions over /proc shared by the tests.</summary>
internal static class Processes
{
    public static async Task AssertAllGoneAsync(IEnumerable<ProcessIdentity> tree)
    {
        var list = tree.ToList();
        Assert.True(await ProcessTree.WaitGoneAsync(list, TimeSpan.FromSeconds(5)),
            "still alive: " + string.Join(", ", list.Where(ProcessTree.IsAlive).Select(p => $"{p.Pid} ({ProcessTree.CommandLine(p.Pid)})")));
    }

    /// <summary>Live processes whose command line is exactly <paramref name="commandLine"/>.</summary>
    public static List<int> WithCommandLine(string commandLine) =>
    [
        .. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ProcessTree.CommandLine(pid) == commandLine && ProcessTree.Identify(pid) is not null),
    ];

    /// <summary>Ready once <paramref name="count"/> processes run exactly <paramref name="commandLine"/>.</summary>
    public static ReadinessProbe Running(string commandLine, int count) =>
        ReadinessProbe.Check($"{count} × {commandLine}", _ => Task.FromResult(WithCommandLine(commandLine).Count == count));

    /// <summary>A sleep with a duration no other test uses, so its processes can be found in /proc.</summary>
    public static string UniqueSleep() => $"sleep {Random.Shared.Next(100_000, 999_999)}";
}

/// <summary>Runs a fixture through its whole life and proves it left neither a process nor its folder behind.</summary>
internal static class FixtureLife
{
    public static async Task RunAsync<T>(T fixture, Func<T, Task> body)
        where T : ServerFixture
    {
        await fixture.InitializeAsync();
        var trees = fixture.ProcessTrees();
        Assert.NotEmpty(trees);
        try
        {
            await body(fixture);
        }
        finally
        {
            await fixture.DisposeAsync();
        }

        await Processes.AssertAllGoneAsync(trees);
        Assert.False(Directory.Exists(fixture.Paths.Root), "the fixture's state folder must be deleted");
    }
}
