using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;

namespace TheBot.Cli.Tests;

/// <summary>
/// Where a test's own stack lives: a temp state folder claimed for the leftover sweep and a port offset whose every
/// port is free and claimed by no other stack of this process; removed afterwards through its pid files (which only
/// ever kill the recorded programs). The classes that use it share the <see cref="Collection"/>, so their stacks run
/// one at a time; the HA stack (<see cref="HaStackFixture.Collection"/>) runs beside them.
/// </summary>
internal static class TemporaryStack
{
    // Ports of the stacks handed out by this process: a stack created beside another must not pick an offset whose
    // ports are free only because the other has not bound them yet.
    private static readonly HashSet<int> Claimed = [];

    /// <summary>xUnit collection of the test classes that start their own stack.</summary>
    public const string Collection = "own local stacks";

    public static async Task<StackLocation> CreateAsync()
    {
        await LeftoverStacks.SweepOnceAsync();
        var paths = StackPaths.CreateTemporary(LeftoverStacks.Prefix);
        LeftoverStacks.Claim(paths);
        return new StackLocation(RepositoryRoot.Find(), paths, new PortPlan(FreeOffset()));
    }

    /// <summary>
    /// An offset of the form N·100 + 50 whose ports are all free and below the ephemeral range. The default ports
    /// never differ by 50 modulo 100, so such a stack can never want a port of a stack at a whole-hundred offset
    /// (<see cref="StackFixture"/>'s) that runs alongside but has not bound all its ports yet.
    /// </summary>
    private static int FreeOffset()
    {
        lock (Claimed)
        {
            foreach (var offset in Enumerable.Range(100, 130).Select(k => k * 100 + 50).OrderBy(_ => Random.Shared.Next()))
            {
                var plan = new PortPlan(offset);
                if (plan.All.Values.All(port => port < 32_768 && !Claimed.Contains(port) && Ports.IsFree(port)))
                {
                    Claimed.UnionWith(plan.All.Values);
                    return offset;
                }
            }
        }

        throw new InvalidOperationException("no port offset N·100 + 50 between 10050 and 22950 has all its ports free");
    }

    public static async Task RemoveAsync(StackLocation location)
    {
        await ProcessSupervisor.DownAsync(location.Paths);
        lock (Claimed)
        {
            Claimed.ExceptWith(location.Ports.All.Values);
        }

        try
        {
            Directory.Delete(location.Paths.Root, recursive: true);
        }
        catch (IOException)
        {
            // PostgreSQL may still be removing its socket; the leftover sweep of a later run deletes it
        }
    }
}

/// <summary>
/// A test class that starts its own stack at <see cref="Location"/> (see <see cref="TemporaryStack"/>); each such class
/// also names <see cref="TemporaryStack.Collection"/>, as xUnit reads that attribute on the test class itself.
/// </summary>
public abstract class OwnStackTest : Xunit.IAsyncLifetime
{
    internal StackLocation Location { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Location = await TemporaryStack.CreateAsync();
        // A test's own `up` (in this process, or a CLI child) then builds nothing beside the HA stack's start.
        await ServicesBuild.EnsureAsync(Location);
    }

    public Task DisposeAsync() => TemporaryStack.RemoveAsync(Location);
}
