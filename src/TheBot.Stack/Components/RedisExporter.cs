namespace TheBot.Stack.Components;

/// <summary>
/// Prometheus Redis exporter on 127.0.0.1 (password through <c>REDIS_PASSWORD</c>, never on the command line).
/// Depends on <c>redis</c>.
/// </summary>
public sealed class RedisExporter(int port, int redisPort, string? redisPassword = null)
    : MetricsExporter(ServiceNames.RedisExporter, Executable, DebianPackage, port)
{
    /// <summary>The exporter binary.</summary>
    public const string Executable = "/usr/bin/prometheus-redis-exporter";

    /// <summary>The Debian package that ships <see cref="Executable"/>, named when it is missing.</summary>
    public const string DebianPackage = "prometheus-redis-exporter";

    /// <summary>The binaries this component needs installed → the Debian package that ships each (joined by the CLI's <c>DebianPackageMap</c>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } = [(Executable, DebianPackage)];

    /// <inheritdoc />
    public override ProcessSpec Spec => ExporterSpec([$"--redis.addr=redis://127.0.0.1:{redisPort}"]) with
    {
        Environment = redisPassword is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["REDIS_PASSWORD"] = redisPassword },
        DependsOn = [ServiceNames.Redis],
    };
}
