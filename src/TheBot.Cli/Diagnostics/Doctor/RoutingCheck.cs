using TheBot.Cli.Checks;

namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>
/// An alert with <paramref name="labels"/> reaches <paramref name="expected"/> under the rendered alertmanager.yml, as
/// <c>amtool config routes test</c> reads it.
/// </summary>
internal sealed class RoutingCheck(DoctorContext context, (string Name, string Value)[] labels, string expected) : IDoctorCheck
{
    /// <summary>The routes of contract §8, one check each: Watchdog and one alert per severity.</summary>
    public static IEnumerable<IDoctorCheck> Contract(DoctorContext context) =>
    [
        new RoutingCheck(context, [("alertname", "Watchdog"), ("severity", "none")], "deadmans-switch"),
        new RoutingCheck(context, [("alertname", "DoctorProbe"), ("severity", "critical")], "critical-team"),
        new RoutingCheck(context, [("alertname", "DoctorProbe"), ("severity", "warning")], "ops-team"),
        new RoutingCheck(context, [("alertname", "DoctorProbe"), ("severity", "info")], "default-receiver"),
    ];

    public string Name => $"routing {string.Join(' ', labels.Select(l => $"{l.Name}={l.Value}"))} → {expected}";

    public string Fix => "compare monitoring/alertmanager/alertmanager.yml's route with contract §8";

    public async Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var receivers = await AlertmanagerRoutes.ReceiversAsync(context.Stack.Renderer.AlertmanagerConfig, labels.ToDictionary(l => l.Name, l => l.Value), cancellationToken);
        return (receivers is [var receiver] && receiver == expected, $"amtool says {string.Join(",", receivers)}");
    }
}
