namespace TheBot.Cli.Checks;

/// <summary>Every check of <c>./thebot check</c>, run concurrently.</summary>
public static class MonitoringChecks
{
    /// <summary>The checks, in the order their lines are printed.</summary>
    public static IReadOnlyList<IMonitoringCheck> All { get; } =
    [
        new PrometheusConfigCheck(), new RulesCheck(), new AlertMetadataCheck(), new AlertmanagerCheck(),
        new DashboardsCheck(), new LokiAlloyCheck(), new PostgresExporterQueriesCheck(), new ComposeCheck(),
    ];

    /// <summary>The keys <c>check --only</c> accepts, in <see cref="All"/>'s order.</summary>
    public static IReadOnlyList<string> Keys { get; } = [.. All.Select(c => c.Key)];

    /// <summary>
    /// Runs every check, or only those whose <see cref="IMonitoringCheck.Key"/> is in <paramref name="only"/> when it is
    /// not empty; a check that throws becomes a ✗ line naming it rather than ending the run.
    /// </summary>
    public static async Task<IReadOnlyList<CheckResult>> RunAllAsync(CheckContext context, IReadOnlyCollection<string> only, CancellationToken cancellationToken)
    {
        var runs = All.Where(check => only.Count == 0 || only.Contains(check.Key, StringComparer.Ordinal)).Select(check => RunOneAsync(check, context, cancellationToken));
        return [.. (await Task.WhenAll(runs)).SelectMany(r => r)];
    }

    private static async Task<IReadOnlyList<CheckResult>> RunOneAsync(IMonitoringCheck check, CheckContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await Task.Run(() => check.RunAsync(context, cancellationToken), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or YamlFormatException or FormatException)
        {
            return [CheckResult.Fail(context.Display(context.MonitoringDir), check.GetType().Name, $"{e.GetType().Name}: {e.Message}")];
        }
    }
}
