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

    /// <summary>The local addresses (<c>ip:port</c>) of every TCP socket the processes listen on, from /proc/net/tcp{,6}.</summary>
    public static List<string> ListeningAddresses(IEnumerable<ProcessIdentity> processes)
    {
        var inodes = new HashSet<string>();
        foreach (var process in processes)
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{process.Pid}/fd"))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    {
                        inodes.Add(target[8..^1]);
                    }
                }
            }
            catch (IOException)
            {
            }
        }

        return
        [
            .. new[] { "/proc/net/tcp", "/proc/net/tcp6" }.SelectMany(File.ReadLines).Skip(1)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9]))
                .Select(f => Decode(f[1])),
        ];
    }

    private static string Decode(string local)
    {
        var (hexIp, hexPort) = (local.Split(':')[0], local.Split(':')[1]);
        var port = Convert.ToInt32(hexPort, 16);
        if (hexIp.Length != 8)
        {
            return $"[{hexIp}]:{port}";
        }

        var bytes = Convert.FromHexString(hexIp);
        return $"{bytes[3]}.{bytes[2]}.{bytes[1]}.{bytes[0]}:{port}";
    }

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
        var listening = Processes.ListeningAddresses(trees);
        Assert.NotEmpty(listening);
        Assert.All(listening, address => Assert.StartsWith("127.0.0.1:", address, StringComparison.Ordinal));
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
