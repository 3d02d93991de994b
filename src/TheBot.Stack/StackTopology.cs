using System.Text.Json;

namespace TheBot.Stack;

/// <summary>
/// Which processes a stack runs: the single-node default, or the HA topology (<c>up --topology ha</c>) with
/// <see cref="Backends"/> backend instances, two Prometheus replicas, a three-member Alertmanager cluster and
/// VictoriaMetrics. <c>up</c> records it in the state folder, so every later verb (status, stop/start, scale, down)
/// builds the same specs without repeating the flags. <see cref="NativeHistograms"/> (<c>up --native-histograms</c>) is
/// recorded with it for the same reason: a <c>start prometheus</c> after <c>stop</c> must come back in the same mode.
/// </summary>
/// <param name="HighAvailability">True for the HA topology.</param>
/// <param name="Backends">How many backend instances run (1 in the single-node stack).</param>
public sealed record StackTopology(bool HighAvailability, int Backends)
{
    /// <summary>Most backend instances a local stack runs (ports 8000-8008).</summary>
    public const int MaxBackends = 9;

    /// <summary>Backend instances of <c>up --topology ha</c> without <c>--backends</c>.</summary>
    public const int DefaultHaBackends = 2;

    /// <summary>The single-node stack (contract §3).</summary>
    public static StackTopology Single { get; } = new(false, 1);

    /// <summary>
    /// Prometheus runs with <c>--enable-feature=native-histograms</c> (<c>up --native-histograms</c>): it negotiates the
    /// protobuf exposition and stores the duration families as native histograms instead of classic buckets
    /// (docs/adr/0007-native-histograms.md). False, the default, is the classic mode.
    /// </summary>
    public bool NativeHistograms { get; init; }

    /// <summary>The histogram mode for people: <c>native</c> or <c>classic</c>.</summary>
    public string HistogramMode => NativeHistograms ? "native" : "classic";

    /// <summary>The value of <c>--topology</c>: <c>single</c> or <c>ha</c>.</summary>
    public string Name => HighAvailability ? "ha" : "single";

    /// <summary>The backend instances' service names, <c>backend</c> first.</summary>
    public IReadOnlyList<string> BackendNames => [.. Enumerable.Range(1, Backends).Select(ServiceNames.BackendInstance)];

    /// <summary>The Prometheus replicas' service names with their <c>replica</c> external label (none in the single-node stack).</summary>
    public IReadOnlyList<(string Name, string? Replica)> PrometheusReplicas =>
        HighAvailability ? [(ServiceNames.Prometheus, "a"), (ServiceNames.PrometheusB, "b")] : [(ServiceNames.Prometheus, null)];

    /// <summary>The Alertmanager members' service names.</summary>
    public IReadOnlyList<string> AlertmanagerMembers =>
        HighAvailability ? [ServiceNames.Alertmanager, ServiceNames.Alertmanager2, ServiceNames.Alertmanager3] : [ServiceNames.Alertmanager];

    /// <summary>The HA topology with <paramref name="backends"/> instances; throws for a count outside 1..<see cref="MaxBackends"/>.</summary>
    public static StackTopology Ha(int backends) => backends is >= 1 and <= MaxBackends
        ? new(true, backends)
        : throw new ArgumentOutOfRangeException(nameof(backends), backends, $"the number of backend instances must be 1 to {MaxBackends}");

    /// <summary>Where <c>up</c> records the topology: <c>&lt;state&gt;/topology.json</c>.</summary>
    public static string FileOf(StackPaths paths) => Path.Combine(paths.Root, "topology.json");

    /// <summary>
    /// The recorded topology and histogram mode, or <see cref="Single"/> (classic) when none was recorded (a stack from
    /// before the HA topology). Throws <see cref="StackStateException"/>, naming the file and what is wrong, for a file
    /// that is not the object <see cref="Save"/> writes.
    /// </summary>
    public static StackTopology Load(StackPaths paths)
    {
        var file = FileOf(paths);
        if (!File.Exists(file))
        {
            return Single;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new StackStateException(file, $"holds a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object with \"topology\"");
            }

            var topology = root.TryGetProperty("topology", out var name) ? name.ValueKind == JsonValueKind.String ? name.GetString() : null : null;
            var recorded = topology switch
            {
                "single" => Single,
                "ha" when root.TryGetProperty("backends", out var backends) && backends.TryGetInt32(out var count) && count is >= 1 and <= MaxBackends => Ha(count),
                "ha" => throw new StackStateException(file, $"\"topology\" is \"ha\" but \"backends\" is not a whole number from 1 to {MaxBackends}"),
                _ => throw new StackStateException(file, "\"topology\" is not \"single\" or \"ha\""),
            };
            // Absent in a file from before the flag: that stack ran classic.
            return root.TryGetProperty("native_histograms", out var native) && native.ValueKind == JsonValueKind.True ? recorded with { NativeHistograms = true } : recorded;
        }
        catch (JsonException exception)
        {
            throw new StackStateException(file, $"not JSON: {exception.Message}", exception);
        }
    }

    /// <summary>Records the topology (write then rename, so a reader never sees half a file).</summary>
    public void Save(StackPaths paths) =>
        AtomicFile.Write(FileOf(paths), JsonSerializer.Serialize(new Dictionary<string, object> { ["topology"] = Name, ["backends"] = Backends, ["native_histograms"] = NativeHistograms }));
}
