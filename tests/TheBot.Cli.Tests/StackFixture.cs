using System.Diagnostics;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace TheBot.Cli.Tests;

/// <summary>
/// One whole local stack for the class, started the way a user starts it (<c>UpCommand.RunAsync</c>, detached, with
/// the build) on a port offset whose every port is free, in a temp state folder; stopped through its pid files and
/// deleted on dispose (the <c>down</c> test normally did that already).
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    private readonly StringWriter _upOutput = new();

    internal StackLocation Location { get; private set; } = null!;

    /// <summary>What <c>up</c> printed.</summary>
    public string UpOutput => _upOutput.ToString();

    /// <summary>How long <c>up</c> took, its (up-to-date) build included.</summary>
    public TimeSpan UpTime { get; private set; }

    public async Task InitializeAsync()
    {
        await LeftoverStacks.SweepOnceAsync();
        var paths = StackPaths.CreateTemporary(LeftoverStacks.Prefix);
        LeftoverStacks.Claim(paths);
        Location = new StackLocation(RepositoryRoot.Find(), paths, new PortPlan(FreeOffset()));
        // Never beside another build of the services (the HA stack starts at the same time); up's own build below
        // then finds them up to date.
        await ServicesBuild.EnsureAsync(Location);
        var watch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var exit = await UpCommand.RunAsync(Location, detach: true, noBuild: false, _upOutput, timeout.Token);
        UpTime = watch.Elapsed;
        if (exit != 0)
        {
            await DisposeAsync();
            throw new InvalidOperationException($"up failed with exit {exit}:\n{UpOutput}");
        }
    }

    public async Task DisposeAsync()
    {
        await ProcessSupervisor.DownAsync(Location.Paths);
        try
        {
            Directory.Delete(Location.Paths.Root, recursive: true);
        }
        catch (IOException)
        {
            // PostgreSQL may still be removing its socket; the leftover sweep of a later run deletes it
        }
    }

    /// <summary>
    /// An offset (a multiple of 100) whose ports, inbox included, are all free. Offsets keep every port between 10000
    /// and the kernel's ephemeral range (32768 here), where outgoing connections cannot grab one before the stack binds it.
    /// </summary>
    internal static int FreeOffset(params int[] excluding)
    {
        var candidates = Enumerable.Range(100, 130).Select(k => k * 100).ToList();
        var start = Random.Shared.Next(candidates.Count);
        foreach (var offset in candidates.Skip(start).Concat(candidates.Take(start)).Where(o => !excluding.Contains(o)))
        {
            var plan = new PortPlan(offset);
            if (plan.All.Values.All(p => p < 32_768 && Ports.IsFree(p)))
            {
                return offset;
            }
        }

        throw new InvalidOperationException("no port offset between 10000 and 23000 has all its ports free");
    }
}

/// <summary>Runs a class's tests in the order of their <see cref="StepAttribute"/> (the stack tests end with <c>down</c>).</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string Name = "TheBot.Cli.Tests.StepOrderer";
    public const string Assembly = "TheBot.Cli.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName!)
            .FirstOrDefault()?.GetNamedArgument<int>(nameof(StepAttribute.Order)) ?? int.MaxValue);
}

/// <summary>Position of a test in its class (see <see cref="StepOrderer"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute : Attribute
{
    public int Order { get; set; }
}

/// <summary>Small helpers of the stack tests.</summary>
internal static class Eventually
{
    /// <summary>Calls <paramref name="probe"/> until it returns null (success) or <paramref name="timeout"/> passes; then fails with its last complaint.</summary>
    public static async Task HoldsAsync(TimeSpan timeout, Func<Task<string?>> probe)
    {
        var watch = Stopwatch.StartNew();
        string? complaint;
        while ((complaint = await probe()) is not null)
        {
            if (watch.Elapsed > timeout)
            {
                Assert.Fail($"after {timeout.TotalSeconds:F0} s: {complaint}");
            }

            await Task.Delay(1000);
        }
    }
}

/// <summary>Writes a line to the test output, and to the console so a plain `dotnet test` log keeps the numbers.</summary>
internal static class Report
{
    public static void Line(ITestOutputHelper output, string text)
    {
        output.WriteLine(text);
        Console.WriteLine("[stack] " + text);
    }
}
