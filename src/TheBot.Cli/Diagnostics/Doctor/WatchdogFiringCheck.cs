namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>The Watchdog alert fires: the rules evaluate and the alert pipeline has something to carry.</summary>
internal sealed class WatchdogFiringCheck(DoctorContext context) : IDoctorCheck
{
    public string Name => "Watchdog firing (the alert pipeline evaluates)";

    public string Fix => "rules not evaluating: see the rules check above and Prometheus' log";

    public async Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var firing = (await context.Prometheus.QueryAsync("ALERTS{alertname=\"Watchdog\",alertstate=\"firing\"}", cancellationToken)).GetArrayLength();
        return (firing > 0, firing > 0 ? "firing" : "not firing yet (it fires one evaluation after start)");
    }
}
