namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>Every check of <c>./thebot doctor</c>, in the order their lines are printed, and the run over them.</summary>
internal static class DoctorChecks
{
    /// <summary>
    /// The checks: binaries, then each service of the stack, the rendered configs, Prometheus (targets, rules,
    /// memory, query speed, its Alertmanagers), Alertmanager and its routing, the alert pipeline, the scrape token,
    /// and disk space.
    /// </summary>
    public static IReadOnlyList<IDoctorCheck> For(DoctorContext context) =>
    [
        new BinariesCheck(),
        .. ServiceReadyCheck.ForEachService(context),
        .. RenderedConfigCheck.Both(context),
        new TargetsUpCheck(context),
        new RulesHealthyCheck(context),
        .. PrometheusDiagnosticCheck.Both(context),
        new AlertmanagersDiscoveredCheck(context),
        new AlertmanagerReachableCheck(context),
        .. RoutingCheck.Contract(context),
        new WatchdogFiringCheck(context),
        new ScrapeTokenCheck(context),
        new DiskSpaceCheck(context),
    ];

    /// <summary>Runs <paramref name="checks"/> one after the other; a check that throws fails with the exception's message.</summary>
    public static async Task<IReadOnlyList<DoctorResult>> RunAsync(IEnumerable<IDoctorCheck> checks, CancellationToken cancellationToken)
    {
        var results = new List<DoctorResult>();
        foreach (var check in checks)
        {
            try
            {
                var (ok, detail) = await check.ProbeAsync(cancellationToken);
                results.Add(new DoctorResult(check.Name, ok, detail, check.Fix));
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                results.Add(new DoctorResult(check.Name, false, exception.Message, check.Fix));
            }
        }

        return results;
    }
}
