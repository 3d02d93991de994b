using Xunit;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>Runs one of ./thebot check's checks (src/TheBot.Cli/Checks) on the committed monitoring/ and docs/runbooks/.</summary>
public static class CheckAssert
{
    /// <summary>The context of the committed repository.</summary>
    public static CheckContext Committed => new(Repo.Monitoring(), Repo.File("docs", "runbooks"), Repo.Root);

    /// <summary>Fails the test with every ✗ (file and reason) unless all results of <paramref name="check"/> pass; returns them.</summary>
    public static async Task<IReadOnlyList<CheckResult>> PassesAsync(IMonitoringCheck check)
    {
        var results = await check.RunAsync(Committed, CancellationToken.None);
        Assert.NotEmpty(results);
        var failures = results.Where(r => !r.Ok).Select(r => $"{r.File} ({r.Check}): {r.Reason}").ToList();
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        return results;
    }
}
