using TheBot.Stack;

namespace TheBot.Cli.Local.Components;

/// <summary>
/// Loki, where its binary is installed: its HTTP and gRPC ports (both in <see cref="PortPlan"/>), the rendered
/// <c>loki.yml</c> it reads, and its readiness (<c>/ready</c>, which takes a while after a cold start).
/// </summary>
internal sealed class Loki(PortPlan ports, string configFile)
{
    /// <summary>The binary looked up on PATH (Loki is not a Debian package).</summary>
    public const string Binary = "loki";

    /// <summary>HTTP port on 127.0.0.1.</summary>
    public int HttpPort { get; } = ports[ServiceNames.Loki];

    /// <summary>gRPC port on 127.0.0.1 (<c>server.grpc_listen_port</c>); Loki opens it even when nothing uses it.</summary>
    public int GrpcPort { get; } = ports[ServiceNames.GrpcPort(ServiceNames.Loki)];

    /// <summary>Its row of the services table: its URL when <paramref name="started"/>, else what to install (<see cref="ServiceAccess.NotInstalled"/>).</summary>
    public ServiceAccess Access(bool started) =>
        new("Loki", started ? $"http://127.0.0.1:{HttpPort}" : ServiceAccess.NotInstalled(ServiceNames.Loki, "loki"), "no auth");

    /// <summary>The process spec, run from <paramref name="executable"/>.</summary>
    public ProcessSpec Spec(string executable) => new(ServiceNames.Loki, executable)
    {
        Arguments = [$"-config.file={configFile}"],
        Ports = new Dictionary<string, int> { ["http"] = HttpPort, ["grpc"] = GrpcPort },
        Readiness = ReadinessProbe.HttpGet($"http://127.0.0.1:{HttpPort}/ready"),
        ReadinessTimeout = TimeSpan.FromSeconds(60),
    };
}
