namespace TheBot.Stack.Components;

/// <summary>
/// What the stack's Prometheus exporters share: a binary serving <c>/metrics</c> on 127.0.0.1 (ready once that
/// answers), its version read from its own build-info metric, and a services-table row without credentials.
/// </summary>
/// <param name="name">Its service name, also the row's name and the build-info metric's prefix.</param>
/// <param name="executable">The exporter binary.</param>
/// <param name="package">The Debian package that ships it.</param>
/// <param name="port">HTTP port on 127.0.0.1.</param>
public abstract class MetricsExporter(string name, string executable, string package, int port)
{
    /// <summary>HTTP port on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <summary>Metrics URL.</summary>
    public string MetricsUrl => $"http://127.0.0.1:{Port}/metrics";

    /// <summary>Its row of the services table.</summary>
    public ServiceAccess Access => new(name, MetricsUrl, "—");

    /// <summary>The process spec.</summary>
    public abstract ProcessSpec Spec { get; }

    /// <summary>The spec with the exporter's own <paramref name="arguments"/>; a subclass adds its environment and dependencies.</summary>
    protected ProcessSpec ExporterSpec(IEnumerable<string> arguments) =>
        HttpComponent.Spec(name, executable, package, Port, "/metrics", arguments) with
        {
            Version = VersionProbe.BuildInfoMetric(MetricsUrl, name),
        };
}
