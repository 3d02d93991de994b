using System.Diagnostics;
using TheBot.Cli.Commands;
using TheBot.Cli.Stack;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// One HA stack for a test class, started the way a user starts it (<c>UpCommand.RunAsync</c> with
/// <c>--topology ha --backends 2</c>, detached, with the build) in a temp state folder on a port offset whose every
/// port, the HA members' included, is free; stopped through its pid files and deleted on dispose.
/// </summary>
public sealed class HaStackFixture : IAsyncLifetime
{
    private readonly StringWriter _upOutput = new();

    internal StackLocation Location { get; private set; } = null!;

    /// <summary>The stack as every verb reads it back from the state folder (topology included).</summary>
    internal LocalStack Stack => new(Location);

    /// <summary>What <c>up</c> printed.</summary>
    public string UpOutput => _upOutput.ToString();

    /// <summary>How long <c>up</c> took, build included.</summary>
    public TimeSpan UpTime { get; private set; }

    /// <summary>The VictoriaMetrics outage under way across steps (null when none was begun).</summary>
    internal StorageOutage? StorageOutage { get; set; }

    public async Task InitializeAsync()
    {
        Location = await TemporaryStack.CreateAsync();
        var watch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var exit = await UpCommand.RunAsync(Location, detach: true, noBuild: false, _upOutput, timeout.Token, topology: StackTopology.Ha(2));
        UpTime = watch.Elapsed;
        if (exit != 0)
        {
            await DisposeAsync();
            throw new InvalidOperationException($"up --topology ha failed with exit {exit}:\n{UpOutput}");
        }
    }

    public Task DisposeAsync() => TemporaryStack.RemoveAsync(Location);
}
