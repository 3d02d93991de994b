namespace TheBot.Stack.Components;

/// <summary>
/// Prometheus with its TSDB in the state folder, listening on 127.0.0.1, admin API and lifecycle (reload) enabled;
/// ready when <c>/-/ready</c> answers. In the HA topology each replica is one instance with its own
/// <see cref="Name"/> (and with it its own data folder, log and pid file) and its own rendered config.
/// </summary>
public sealed class Prometheus(StackPaths paths, int port, string configFile)
{
    /// <summary>The server binary.</summary>
    public const string Executable = "/usr/bin/prometheus";

    /// <summary>promtool, from the same package: checks configs and rules, runs rule unit tests, lists TSDB blocks.</summary>
    public const string Promtool = "/usr/bin/promtool";

    /// <summary>The Debian package that ships <see cref="Executable"/>, named when it is missing.</summary>
    public const string DebianPackage = "prometheus";

    /// <summary>The binaries this component needs installed → the Debian package that ships each (joined by the CLI's <c>DebianPackageMap</c>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } = [(Executable, DebianPackage), (Promtool, DebianPackage)];

    /// <summary>HTTP port on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <summary>Service name: <c>prometheus</c>, or <c>prometheus-b</c> for the HA topology's second replica.</summary>
    public string Name { get; init; } = ServiceNames.Prometheus;

    /// <summary>
    /// The Alertmanager services it sends alerts to (every member in the HA topology): started and ready before it, so
    /// its first rule evaluations find them. None by default (a test's Prometheus alone).
    /// </summary>
    public IReadOnlyList<string> AlertmanagerServices { get; init; } = [];

    /// <summary>The store it sends samples to by remote_write (the HA topology's VictoriaMetrics), started before it; null for none.</summary>
    public string? RemoteWriteService { get; init; }

    /// <summary>The prometheus.yml it loads.</summary>
    public string ConfigFile { get; } = configFile;

    /// <summary>How long samples are kept (<c>--storage.tsdb.retention.time</c>).</summary>
    public string RetentionTime { get; init; } = "15d";

    /// <summary>Size limit of the TSDB (<c>--storage.tsdb.retention.size</c>), none when null.</summary>
    public string? RetentionSize { get; init; }

    /// <summary>
    /// Adds <c>--enable-feature=native-histograms</c>: Prometheus then asks every target for the protobuf exposition
    /// and stores a histogram that has native buckets as one native series (no <c>_bucket</c>/<c>_count</c>); the
    /// rules are written for both modes (docs/adr/0007-native-histograms.md).
    /// </summary>
    public bool NativeHistograms { get; init; }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:9090</c>; also its external URL (<c>--web.external-url</c>).</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>
    /// The graph page of <paramref name="expression"/> as Prometheus links it in the <c>generatorURL</c> of the alerts it
    /// sends: the external URL, then <c>/graph?g0.expr=…&amp;g0.tab=1</c> with the expression escaped as Go's
    /// <c>url.QueryEscape</c> does (RFC 3986 unreserved characters kept, a space as <c>+</c>).
    /// </summary>
    public string GraphUrl(string expression) => $"{Url}/graph?g0.expr={Uri.EscapeDataString(expression).Replace("%20", "+", StringComparison.Ordinal)}&g0.tab=1";

    /// <summary>The HA replica this instance is (<c>a</c>, <c>b</c>: its <c>replica</c> external label), shown in its row; null for a lone Prometheus.</summary>
    public string? Replica { get; init; }

    /// <summary>Its row of the services table: which replica, and the histogram mode it stores.</summary>
    public ServiceAccess Access => new(Replica is null ? "Prometheus" : $"Prometheus {Name} (replica {Replica})", Url,
        $"{(WebAuth is null ? "no auth" : "basic auth")}, loopback only; admin API on; histograms: {(NativeHistograms ? "native" : "classic")}");

    /// <summary>Basic auth on every endpoint (<c>--web.config.file</c>); null (the local stack's default) leaves it open on loopback.</summary>
    public WebAuth? WebAuth { get; init; }

    /// <summary>Where the web config is written when <see cref="WebAuth"/> is set.</summary>
    public string WebConfigFile => Path.Combine(paths.Config, $"{Name}-web.yml");

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => HttpComponent.WithAuth(OpenSpec, WebAuth, WebConfigFile, Url + "/-/ready") with
    {
        DependsOn = [.. AlertmanagerServices, .. RemoteWriteService is { } store ? [store] : Array.Empty<string>()],
        // The mode the running process really has (its flags), not what up recorded: a Prometheus restarted by hand
        // without the flag would otherwise be reported as native.
        Version = VersionProbe.Check(async ct =>
        {
            var build = await VersionProbe.GetJsonAsync(Url + "/api/v1/status/buildinfo", WebAuth?.Header, ct);
            var flags = await VersionProbe.GetJsonAsync(Url + "/api/v1/status/flags", WebAuth?.Header, ct);
            return $"prometheus {build.GetProperty("data").GetProperty("version").GetString()} · histograms: {HistogramModeOf(flags)}";
        }),
    };

    /// <summary><c>native</c> when the <c>enable-feature</c> flag of <c>/api/v1/status/flags</c> holds <c>native-histograms</c>, else <c>classic</c>.</summary>
    public static string HistogramModeOf(System.Text.Json.JsonElement flags) =>
        flags.GetProperty("data").TryGetProperty("enable-feature", out var features)
        && (features.GetString() ?? string.Empty).Split(',', StringSplitOptions.TrimEntries).Contains("native-histograms")
            ? "native"
            : "classic";

    private ProcessSpec OpenSpec => HttpComponent.Spec(Name, Executable, DebianPackage, Port, "/-/ready",
    [
        $"--config.file={ConfigFile}",
        $"--storage.tsdb.path={paths.Data(Name)}",
        $"--storage.tsdb.retention.time={RetentionTime}",
        .. RetentionSize is null ? Array.Empty<string>() : [$"--storage.tsdb.retention.size={RetentionSize}"],
        "--web.enable-admin-api",
        "--web.enable-lifecycle",
        // The alerts' generatorURL (the "Prometheus" link of every notification) is built from it; without it
        // Prometheus uses the machine's host name, which is not where this loopback-only server answers.
        $"--web.external-url={Url}",
        // Keeps the trace ids the services attach to their duration buckets (docs/metrics.md), for query_exemplars
        // and `./thebot explain`; an in-memory ring of 100,000 exemplars by default (docs/operations.md).
        "--enable-feature=exemplar-storage",
        .. NativeHistograms ? ["--enable-feature=native-histograms"] : Array.Empty<string>(),
    ]);
}
