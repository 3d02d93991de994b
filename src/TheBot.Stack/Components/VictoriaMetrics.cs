namespace TheBot.Stack.Components;

/// <summary>
/// VictoriaMetrics single-node (Debian <c>victoria-metrics</c>) as the HA topology's global, long-term store: it
/// receives <c>remote_write</c> from both Prometheus replicas on <c>/api/v1/write</c> and keeps one sample per series
/// and <see cref="DedupInterval"/> (<c>-dedup.minScrapeInterval</c>), so the replicas' identical series are stored
/// once. Listens on 127.0.0.1; ready when <c>/health</c> answers.
/// </summary>
public sealed class VictoriaMetrics(StackPaths paths, int port)
{
    /// <summary>The single-node server binary.</summary>
    public const string Executable = "/usr/bin/victoria-metrics";

    /// <summary>The Debian package that ships <see cref="Executable"/>, named when it is missing.</summary>
    public const string DebianPackage = "victoria-metrics";

    /// <summary>The binaries this component needs installed → the Debian package that ships each (joined by the CLI's <c>DebianPackageMap</c>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } = [(Executable, DebianPackage)];

    /// <summary>HTTP port on 127.0.0.1 (ingestion, queries and its own <c>/metrics</c>).</summary>
    public int Port { get; } = port;

    /// <summary>Deduplication window: the scrape interval of the replicas that write into it.</summary>
    public required TimeSpan DedupInterval { get; init; }

    /// <summary>How long samples are kept (<c>-retentionPeriod</c>).</summary>
    public string RetentionPeriod { get; init; } = "1y";

    /// <summary>
    /// How far behind "now" queries stop (<c>-search.latencyOffset</c>, 30 s by default): samples newer than that are
    /// not returned yet, as a replica may still be sending the same interval. One scrape interval is what dedup needs.
    /// </summary>
    public TimeSpan LatencyOffset => DedupInterval;

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:8428</c>.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Its row of the services table.</summary>
    public ServiceAccess Access => new("VictoriaMetrics", Url, "no auth, loopback only; remote_write from both replicas, dedup on");

    /// <summary>Where the replicas send their samples.</summary>
    public string RemoteWriteUrl => Url + "/api/v1/write";

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => new(ServiceNames.VictoriaMetrics, Executable)
    {
        Package = DebianPackage,
        Arguments =
        [
            $"-httpListenAddr=127.0.0.1:{Port}",
            $"-storageDataPath={paths.Data(ServiceNames.VictoriaMetrics)}",
            $"-retentionPeriod={RetentionPeriod}",
            $"-dedup.minScrapeInterval={Millis(DedupInterval)}",
            $"-search.latencyOffset={Millis(LatencyOffset)}",
        ],
        Ports = new Dictionary<string, int> { ["http"] = Port },
        Readiness = ReadinessProbe.HttpGet(Url + "/health"),
    };

    private static string Millis(TimeSpan span) => $"{(long)span.TotalMilliseconds}ms";
}
