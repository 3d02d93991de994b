namespace TheBot.Stack;

/// <summary>
/// Which Debian package ships each binary the stack, its checks and its tests run, written once: setup installs from
/// it (<c>DebianPackages</c>), <c>check</c> names the package of a missing tool, and a component whose binary is missing
/// names its package (<see cref="ProcessSpec.Package"/>).
/// </summary>
public static class DebianPackageMap
{
    /// <summary>Binary that proves the package is installed → the package that ships it.</summary>
    public static IReadOnlyList<(string Binary, string Package)> Binaries { get; } =
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
        // check runs the entrypoint scripts through sh; Debian's sh is dash (essential, so always there).
        ("/bin/sh", "dash"),
        // The strict, independent OpenMetrics parser the exposition tests hold the library's output to.
        ("/usr/lib/python3/dist-packages/prometheus_client/openmetrics/parser.py", "python3-prometheus-client"),
    ];

    /// <summary>
    /// The package of <paramref name="binary"/>, given as a path (<c>/usr/bin/prometheus</c>) or a tool name found on
    /// PATH (<c>promtool</c>): the exact path first, else the same file name; null when no package is known.
    /// </summary>
    public static string? For(string binary) =>
        Binaries.FirstOrDefault(b => b.Binary == binary).Package
        ?? Binaries.FirstOrDefault(b => Path.GetFileName(b.Binary) == Path.GetFileName(binary)).Package;
}
