namespace TheBot.Monitoring;

/// <summary>Options of the library, bound from the <c>Monitoring</c> configuration section.</summary>
public sealed class MonitoringOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Monitoring";

    /// <summary>Name of the service in health output and <c>thebot_build_info</c>; defaults to the application name.</summary>
    public string? ServiceName { get; set; }

    /// <summary>Version in health output and <c>thebot_build_info</c>; defaults to the entry assembly's informational version.</summary>
    public string? Version { get; set; }

    /// <summary>Prometheus job name used in the generated scrape config.</summary>
    public string JobName { get; set; } = "thebot-backend";

    /// <summary>host:port Prometheus should scrape, for the generated scrape config; defaults to the request's host.</summary>
    public string? PublicAddress { get; set; }

    /// <summary>Bearer token the scrape endpoint requires. With none (here or in <see cref="ScrapeTokenFile"/>), only loopback may scrape.</summary>
    public string? ScrapeToken { get; set; }

    /// <summary>File holding the scrape token (first line), e.g. a mounted secret.</summary>
    public string? ScrapeTokenFile { get; set; }

    /// <summary>Bearer token the admin endpoints (system metrics, analytics, scrape config) require. With none, they refuse everyone.</summary>
    public string? AdminToken { get; set; }

    /// <summary>File holding the admin token (first line).</summary>
    public string? AdminTokenFile { get; set; }

    /// <summary>Path prefix of the system endpoints.</summary>
    public string BasePath { get; set; } = "/api/system";

    /// <summary>
    /// The local port the system endpoints answer on (a management port: give Kestrel a second listener on it, and keep
    /// it off the public load balancer); on any other port they are not routed (404, <c>endpoint="unmatched"</c>).
    /// Decided by the port the connection was accepted on, not by the <c>Host</c> header a client chooses (which is what
    /// <c>RequireHost("*:port")</c> reads). Null (the default): every port.
    /// </summary>
    public int? ManagementPort { get; set; }

    /// <summary>Bucket bounds (seconds) of <c>thebot_http_request_duration_seconds</c>; null keeps the documented defaults.</summary>
    public double[]? HttpDurationBuckets { get; set; }

    /// <summary>Most series one metric may have; further label combinations fold into one overflow series.</summary>
    public int MaxSeriesPerMetric { get; set; } = Metrics.MetricRegistry.DefaultMaxSeriesPerFamily;

    /// <summary>
    /// Meters of the framework and libraries whose instruments join the exposition. Instruments that would
    /// duplicate ours (ASP.NET Core hosting's request duration and active requests, Npgsql's per-command timings) are
    /// always left out.
    /// </summary>
    /// <remarks>
    /// Entries bound from configuration (<c>Monitoring:BridgedMeters:0</c> …) are added to the four defaults, as the
    /// configuration binder does for every list; a meter listed twice is bridged once. To leave a default out, change
    /// the list in code: <c>builder.AddTheBotMonitoring(o =&gt; o.BridgedMeters.Remove("Npgsql"))</c>.
    /// </remarks>
    public List<string> BridgedMeters { get; set; } =
    [
        "System.Runtime",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Npgsql",
    ];

    /// <summary>Name used as <c>cache_name</c> for the application's IDistributedCache.</summary>
    public string DistributedCacheName { get; set; } = "redis";

    /// <summary>How often the in-process sampler records totals for the JSON endpoints' windows; at least 1 ms, at most one hour.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How much history the sampler keeps (the longest analytics window); at least <see cref="SampleInterval"/>, at most a day.</summary>
    public TimeSpan SampleRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Health check thresholds.</summary>
    public HealthThresholds Health { get; set; } = new();

    internal string? ResolvedScrapeToken { get; set; }

    internal string? ResolvedAdminToken { get; set; }
}
