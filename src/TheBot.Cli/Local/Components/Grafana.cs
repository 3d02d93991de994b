using TheBot.Stack;

namespace TheBot.Cli.Local.Components;

/// <summary>
/// Grafana, where its binary is installed and an admin password is given: loopback-only, its data, logs and plugins in
/// the state folder, provisioning from the rendered folder, readiness on <c>/api/health</c>.
/// </summary>
internal sealed class Grafana(StackPaths paths, PortPlan ports, string provisioningFolder)
{
    /// <summary>The binary looked up on PATH.</summary>
    public const string Binary = "grafana-server";

    /// <summary>HTTP port on 127.0.0.1.</summary>
    public int Port { get; } = ports[ServiceNames.Grafana];

    /// <summary>
    /// Its row of the services table: its URL when <paramref name="started"/>; else why not — installed
    /// (<paramref name="installed"/>, its path) but without an admin password, or not installed (then what to install,
    /// <see cref="ServiceAccess.NotInstalled"/>).
    /// </summary>
    public ServiceAccess Access(bool started, string? installed, bool hasPassword) => started
        ? new("Grafana", $"http://127.0.0.1:{Port}", "admin / $GRAFANA_ADMIN_PASSWORD")
        : new("Grafana",
            installed is not null && !hasPassword
                ? $"installed ({installed}) but not started: set GRAFANA_ADMIN_PASSWORD and run up again"
                : ServiceAccess.NotInstalled(ServiceNames.Grafana, "grafana-server"),
            "needs GRAFANA_ADMIN_PASSWORD (no default)");

    /// <summary>The process spec, run from <paramref name="executable"/> with <paramref name="adminPassword"/>.</summary>
    public ProcessSpec Spec(string executable, string adminPassword) => new(ServiceNames.Grafana, executable)
    {
        Arguments = ["--homepath", "/usr/share/grafana"],
        Environment = new Dictionary<string, string>
        {
            ["GF_SERVER_HTTP_ADDR"] = "127.0.0.1",
            ["GF_SERVER_HTTP_PORT"] = $"{Port}",
            ["GF_PATHS_DATA"] = paths.Data(ServiceNames.Grafana),
            // Grafana's own log file stays in its data folder: logs/grafana.log is the supervisor's capture of its output.
            ["GF_PATHS_LOGS"] = Path.Combine(paths.Data(ServiceNames.Grafana), "log"),
            ["GF_PATHS_PLUGINS"] = Path.Combine(paths.Data(ServiceNames.Grafana), "plugins"),
            ["GF_PATHS_PROVISIONING"] = provisioningFolder,
            ["GF_SECURITY_ADMIN_PASSWORD"] = adminPassword,
        },
        Ports = new Dictionary<string, int> { ["http"] = Port },
        Readiness = ReadinessProbe.HttpGet($"http://127.0.0.1:{Port}/api/health"),
        ReadinessTimeout = TimeSpan.FromSeconds(60),
    };
}
