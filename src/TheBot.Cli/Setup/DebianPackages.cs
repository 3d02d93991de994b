using System.Diagnostics;

namespace TheBot.Cli.Setup;

/// <summary>
/// The Debian packages the stack and its tests run on, found by the binary each one ships.
/// Missing ones are installed when we are root; otherwise the exact apt-get line is printed.
/// </summary>
internal static class DebianPackages
{
    /// <summary>Binary that proves the package is installed → the package that ships it.</summary>
    public static readonly IReadOnlyList<(string Binary, string Package)> Required =
    [
        ("/usr/lib/postgresql/15/bin/postgres", "postgresql-15"),
        ("/usr/bin/psql", "postgresql-client-15"),
        ("/usr/bin/redis-server", "redis-server"),
        ("/usr/bin/prometheus", "prometheus"),
        ("/usr/bin/promtool", "prometheus"),
        ("/usr/bin/prometheus-alertmanager", "prometheus-alertmanager"),
        ("/usr/bin/amtool", "prometheus-alertmanager"),
        ("/usr/bin/prometheus-node-exporter", "prometheus-node-exporter"),
        ("/usr/bin/prometheus-postgres-exporter", "prometheus-postgres-exporter"),
        ("/usr/bin/prometheus-redis-exporter", "prometheus-redis-exporter"),
        // Long-term store of the HA topology (`up --topology ha`): single-node server, vmbackup beside it.
        ("/usr/bin/victoria-metrics", "victoria-metrics"),
        ("/usr/bin/wrk", "wrk"),
        ("/usr/bin/docker-compose", "docker-compose"),
        // The strict, independent OpenMetrics parser the exposition tests hold the library's output to.
        ("/usr/lib/python3/dist-packages/prometheus_client/openmetrics/parser.py", "python3-prometheus-client"),
    ];

    public static IReadOnlyList<string> Missing() =>
        Required.Where(r => !File.Exists(r.Binary)).Select(r => r.Package).Distinct().ToList();

    public static string InstallLine(IEnumerable<string> packages) =>
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends " + string.Join(' ', packages);

    /// <summary>Installs what is missing. Returns false (after saying why) when that is not possible.</summary>
    public static async Task<bool> EnsureInstalledAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var missing = Missing();
        if (missing.Count == 0)
        {
            return true;
        }

        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/apt-get"))
        {
            output.WriteLine($"✗ missing packages: {string.Join(", ", missing)} — this needs a Debian machine with apt-get.");
            return false;
        }

        if (Environment.UserName != "root")
        {
            output.WriteLine($"✗ missing packages: {string.Join(", ", missing)}. As root, run:");
            output.WriteLine($"    sudo sh -c '{InstallLine(missing)}'");
            return false;
        }

        output.WriteLine($"… installing {string.Join(", ", missing)} with apt-get");
        var ok = await RunAsync("apt-get", "update -q", cancellationToken) == 0
                 && await RunAsync("apt-get", "install -y -q --no-install-recommends " + string.Join(' ', missing), cancellationToken) == 0;
        var stillMissing = Missing();
        if (!ok || stillMissing.Count > 0)
        {
            output.WriteLine($"✗ apt-get could not install: {string.Join(", ", stillMissing)}. Try by hand: {InstallLine(stillMissing)}");
            return false;
        }

        output.WriteLine("✓ Debian packages installed");
        return true;
    }

    private static async Task<int> RunAsync(string file, string arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file, arguments) { UseShellExecute = false };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }
}
