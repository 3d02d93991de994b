namespace TheBot.Stack.Components;

/// <summary>
/// Prometheus PostgreSQL exporter on 127.0.0.1, reading the server through <c>DATA_SOURCE_NAME</c>, with optional
/// custom queries (<c>--extend.query-path</c>). Depends on <c>postgresql</c>; drop that with <c>Spec with { DependsOn = [] }</c>
/// when the server runs elsewhere.
/// </summary>
public sealed class PostgresExporter(int port, string dataSourceName, string? queriesFile = null)
    : MetricsExporter(ServiceNames.PostgresExporter, Executable, DebianPackage, port)
{
    /// <summary>The exporter binary.</summary>
    public const string Executable = "/usr/bin/prometheus-postgres-exporter";

    /// <summary>The Debian package that ships <see cref="Executable"/>, named when it is missing.</summary>
    public const string DebianPackage = "prometheus-postgres-exporter";

    /// <summary>The binaries this component needs installed → the Debian package that ships each (joined by the CLI's <c>DebianPackageMap</c>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } = [(Executable, DebianPackage)];

    /// <inheritdoc />
    public override ProcessSpec Spec => ExporterSpec(queriesFile is null ? [] : [$"--extend.query-path={queriesFile}"]) with
    {
        Environment = new Dictionary<string, string> { ["DATA_SOURCE_NAME"] = dataSourceName },
        DependsOn = [ServiceNames.PostgreSql],
    };
}
