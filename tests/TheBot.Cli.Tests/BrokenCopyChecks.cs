using System.Collections.Concurrent;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// Runs <c>thebot check</c> on broken copies of monitoring/, each once and at most one per core at a time, so the
/// first case can start every case's run: xUnit runs a theory's cases one after another (in an order of its own), and
/// one <c>check</c> (amtool, docker-compose, promtool and the format checks on a fresh copy) keeps about one core busy
/// for ~1.5 s. Each copy is deleted as soon as its check has run; disposing the fixture waits for every run started,
/// so none outlives the tests (a filter that picks one case still runs them all: ~15 s).
/// </summary>
public sealed class BrokenCopyChecks : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<BrokenCopyCheck>>> _runs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(Environment.ProcessorCount);

    /// <summary>The check of the copy named <paramref name="name"/>, broken by <paramref name="breakIt"/>; started on the first call.</summary>
    internal Task<BrokenCopyCheck> RunAsync(string name, Action<MonitoringCopy> breakIt, params string[] options) =>
        _runs.GetOrAdd(name, _ => new Lazy<Task<BrokenCopyCheck>>(() => Task.Run(() => CheckAsync(breakIt, options)))).Value;

    private async Task<BrokenCopyCheck> CheckAsync(Action<MonitoringCopy> breakIt, string[] options)
    {
        await _slots.WaitAsync();
        try
        {
            using var copy = new MonitoringCopy();
            breakIt(copy);
            var (exit, output) = await CheckSupport.InvokeAsync(["--dir", copy.Dir, "--runbooks", copy.Runbooks, .. options]);
            return new BrokenCopyCheck(exit, output, copy.Dir);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var run in _runs.Values.Where(r => r.IsValueCreated))
        {
            // A run started ahead for a case the filter left out: only its end matters here, not its verdict.
            await ((Task)run.Value).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _slots.Dispose();
    }
}

/// <summary>What <c>check</c> said about one broken copy, and where that copy was.</summary>
/// <param name="Exit">The exit code.</param>
/// <param name="Output">Everything it printed.</param>
/// <param name="Dir">The copy's monitoring folder (deleted by now; the output must name it).</param>
public sealed record BrokenCopyCheck(int Exit, string Output, string Dir);
