using TheBot.Stack;
using Xunit;

namespace TheBot.Testing;

/// <summary>
/// Base of the server fixtures: a fresh temp state folder, one <see cref="ProcessSupervisor"/> that starts the
/// fixture's specs on free ports, and on dispose stops every process tree and deletes the folder.
/// Use as an xunit class/collection fixture, or start one on demand with <c>await using var x = await ....StartNewAsync()</c>.
/// </summary>
public abstract class ServerFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>Creates the temp state folder and the supervisor (nothing starts before <see cref="InitializeAsync"/>).</summary>
    protected ServerFixture()
    {
        Paths = StackPaths.CreateTemporary(LeftoverStacks.Prefix);
        LeftoverStacks.Claim(Paths);
        Supervisor = new ProcessSupervisor(Paths);
    }

    /// <summary>The temp state folder (data, logs, configs, pid files).</summary>
    public StackPaths Paths { get; }

    /// <summary>The supervisor running this fixture's processes.</summary>
    public ProcessSupervisor Supervisor { get; }

    /// <summary>The root process of the main server, null while stopped.</summary>
    public ProcessIdentity? Process => Supervisor.GetProcess(MainProcess);

    /// <summary>Spec name of the server that <see cref="StopAsync"/> and <see cref="StartAsync"/> act on.</summary>
    protected abstract string MainProcess { get; }

    /// <summary>The specs to run, in any order (dependencies are honoured).</summary>
    protected abstract IEnumerable<ProcessSpec> CreateSpecs();

    /// <summary>Writes what the specs need (configs) before they start.</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    /// <summary>Starts every spec and waits until all are ready.</summary>
    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(TestCategory.FastLoopVariable) == "1")
        {
            DeleteState();
            throw new InvalidOperationException(
                $"{GetType().Name} starts a real server, which the fast loop leaves out: give the test (or its class) " +
                $"[Trait(TestCategory.Name, TestCategory.RealServers)]");
        }

        try
        {
            await LeftoverStacks.SweepOnceAsync();
            await PrepareAsync();
            await Supervisor.StartAsync(CreateSpecs());
        }
        catch
        {
            DeleteState();
            throw;
        }
    }

    /// <summary>Stops the main server and its whole process tree (dependents keep running); returns that tree.</summary>
    public Task<IReadOnlyList<ProcessIdentity>> StopAsync() => Supervisor.StopAsync(MainProcess);

    /// <summary>
    /// Simulates a crash: SIGKILL to every process of the main server's tree at once, no clean shutdown; returns
    /// once all are gone. <see cref="StartAsync"/> brings it back.
    /// </summary>
    public async Task KillAsync()
    {
        var tree = Process is { } root ? ProcessTree.Snapshot(root) : [];
        foreach (var process in tree)
        {
            ProcessTree.Signal(process, ProcessSignal.Kill);
        }

        if (!await ProcessTree.WaitGoneAsync(tree, TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException($"{MainProcess} survived SIGKILL");
        }
    }

    /// <summary>Starts the main server again on the same port and data, and waits until it is ready.</summary>
    public Task StartAsync() => Supervisor.StartAsync(MainProcess);

    /// <summary>Every live process of every tree this fixture runs (for checks that nothing survives a stop).</summary>
    public IReadOnlyList<ProcessIdentity> ProcessTrees() =>
        [.. Supervisor.Running.SelectMany(name => Supervisor.GetProcess(name) is { } root ? ProcessTree.Snapshot(root) : [])];

    /// <summary>The last lines of a process's log (for assertion messages).</summary>
    public string LogTail(string? name = null) => ProcessSupervisor.ReadLogTail(Paths.LogFile(name ?? MainProcess));

    /// <summary>Stops everything and deletes the state folder.</summary>
    public async Task DisposeAsync()
    {
        await Supervisor.DisposeAsync();
        DeleteState();
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Initializes <paramref name="fixture"/> and hands it back (disposing it when the start fails).</summary>
    protected static async Task<T> StartAsync<T>(T fixture)
        where T : ServerFixture
    {
        await fixture.InitializeAsync();
        return fixture;
    }

    private void DeleteState()
    {
        try
        {
            Directory.Delete(Paths.Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
