namespace TheBot.Web;

/// <summary>Where the backend is (section <c>Backend</c>).</summary>
public sealed class BackendOptions
{
    public const string SectionName = "Backend";

    /// <summary>Base address of the backend.</summary>
    public string BaseUrl { get; set; } = "http://127.0.0.1:8000";

    /// <summary>Seconds the readiness probe of the backend may take.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 2;

    /// <summary>
    /// Several backend instances to load-balance across, by destination name (e.g. <c>backend</c>, <c>backend-2</c>)
    /// → base address; empty means the single <see cref="BaseUrl"/>. Bound through <c>IOptionsMonitor</c>, so a
    /// change of the file named by <see cref="DestinationsFile"/> reaches the proxy without a restart.
    /// </summary>
    public Dictionary<string, string> Destinations { get; set; } = [];

    /// <summary>
    /// Optional JSON file (<c>{"Backend": {"Destinations": {…}}}</c>) added to the configuration and re-read when it
    /// changes: <c>./thebot scale backend=N</c> rewrites it (write then rename) to add or remove instances.
    /// </summary>
    public string? DestinationsFile { get; set; }

    /// <summary>Seconds between the active health probes of each destination (only with several destinations).</summary>
    public double HealthProbeIntervalSeconds { get; set; } = 5;
}
