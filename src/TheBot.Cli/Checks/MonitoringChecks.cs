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

    /// <summary>Runs every check; a check that throws becomes a ✗ line naming it rather than ending the run.</summary>
    public static async Task<IReadOnlyList<CheckResult>> RunAllAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var runs = All.Select(check => RunOneAsync(check, context, cancellationToken));
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
