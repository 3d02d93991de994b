using TheBot.Stack;
using TheBot.Stack.Components;

namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>A rendered config passes its own tool's check (<c>promtool check config</c>, <c>amtool check-config</c>).</summary>
internal sealed class RenderedConfigCheck(string name, string config, string tool, params string[] command) : IDoctorCheck
{
    /// <summary>prometheus.yml through promtool, alertmanager.yml through amtool.</summary>
    public static IEnumerable<IDoctorCheck> Both(DoctorContext context) =>
    [
        new RenderedConfigCheck("prometheus.yml valid (promtool check config)", context.Stack.Renderer.PrometheusConfig, Prometheus.Promtool, "check", "config"),
        new RenderedConfigCheck("alertmanager.yml valid (amtool check-config)", context.Stack.Renderer.AlertmanagerConfig, Alertmanager.Amtool, "check-config"),
    ];

    public string Name => name;

    public string Fix => $"./thebot check; then ./thebot up again to re-render {config}";

    public async Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var result = await CommandRunner.RunAsync(tool, [.. command, config], cancellationToken: cancellationToken);
        return (result.Succeeded, result.Succeeded ? config : (result.StandardOutput + result.StandardError).Trim());
    }
}
