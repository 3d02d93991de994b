namespace TheBot.Stack.Components;

/// <summary>Prometheus node exporter on 127.0.0.1.</summary>
public sealed class NodeExporter(int port) : MetricsExporter(ServiceNames.NodeExporter, Executable, DebianPackage, port)
{
    /// <summary>The exporter binary.</summary>
    public const string Executable = "/usr/bin/prometheus-node-exporter";

    /// <summary>The Debian package that ships <see cref="Executable"/>, named when it is missing.</summary>
    public const string DebianPackage = "prometheus-node-exporter";

    /// <summary>The binaries this component needs installed → the Debian package that ships each (joined by the CLI's <c>DebianPackageMap</c>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } = [(Executable, DebianPackage)];

    /// <inheritdoc />
    public override ProcessSpec Spec => ExporterSpec([]);
}
