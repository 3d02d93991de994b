using TheBot.Stack;

namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>Alertmanager answers its status API with a config that has receivers.</summary>
internal sealed class AlertmanagerReachableCheck(DoctorContext context) : IDoctorCheck
{
    public string Name => "Alertmanager reachable with a config";

    public string Fix => $"read {context.Location.Paths.LogFile(ServiceNames.Alertmanager)}";

    public async Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var status = await context.Alertmanager.StatusAsync(cancellationToken);
        var original = status.GetProperty("config").GetProperty("original").GetString() ?? string.Empty;
        return (original.Contains("receivers", StringComparison.Ordinal), $"version {status.GetProperty("versionInfo").GetProperty("version").GetString()}, uptime since {status.GetProperty("uptime").GetString()}");
    }
}
