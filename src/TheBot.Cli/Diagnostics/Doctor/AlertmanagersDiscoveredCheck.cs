namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>Prometheus has discovered at least one Alertmanager to send its alerts to.</summary>
internal sealed class AlertmanagersDiscoveredCheck(DoctorContext context) : IDoctorCheck
{
    public string Name => "Prometheus sends to Alertmanager";

    public string Fix => $"check alerting.alertmanagers in {context.Stack.Renderer.PrometheusConfig} and that Alertmanager runs";

    public async Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var active = (await context.Prometheus.GetAsync("/api/v1/alertmanagers", cancellationToken)).GetProperty("data").GetProperty("activeAlertmanagers").GetArrayLength();
        return (active > 0, $"{active} Alertmanager(s) discovered");
    }
}
