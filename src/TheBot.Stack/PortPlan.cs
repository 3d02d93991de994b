namespace TheBot.Stack;

/// <summary>
/// The ports of one stack: contract §3 defaults plus <c>--port-offset N</c>, with per-service overrides.
/// </summary>
public sealed class PortPlan
{
    /// <summary>contract §3 default port of every service.</summary>
    public static IReadOnlyDictionary<string, int> Defaults { get; } = new Dictionary<string, int>
    {
        [ServiceNames.Backend] = 8000,
        [ServiceNames.Frontend] = 3001,
        [ServiceNames.Prometheus] = 9090,
        [ServiceNames.Alertmanager] = 9093,
        [ServiceNames.Grafana] = 3000,
        [ServiceNames.Loki] = 3100,
        [ServiceNames.NodeExporter] = 9100,
        [ServiceNames.PostgresExporter] = 9187,
        [ServiceNames.RedisExporter] = 9121,
        [ServiceNames.PostgreSql] = 5432,
        [ServiceNames.Redis] = 6379,

        // Not in contract §3 but listened on all the same: Loki's gRPC port (it opens one even when nothing uses it) and
        // the local notification inbox.
        [ServiceNames.GrpcPort(ServiceNames.Loki)] = 9096,
        [ServiceNames.Inbox] = 9097,

        // HA topology only (`up --topology ha`), chosen to collide with no single-node default: backend-2…backend-9 on
        // 8001-8008, the second Prometheus replica on 9091, Alertmanager members 2 and 3 on 9095 and 9098, the three
        // members' gossip on 9084-9086 (9094, Alertmanager's own default, would sit among the members' HTTP ports), and
        // VictoriaMetrics on its own default 8428. None of them differs from a single-node default by 50 modulo 100,
        // which the tests' side-by-side offsets rely on.
        [ServiceNames.PrometheusB] = 9091,
        [ServiceNames.Alertmanager2] = 9095,
        [ServiceNames.Alertmanager3] = 9098,
        [ServiceNames.ClusterPort(ServiceNames.Alertmanager)] = 9084,
        [ServiceNames.ClusterPort(ServiceNames.Alertmanager2)] = 9085,
        [ServiceNames.ClusterPort(ServiceNames.Alertmanager3)] = 9086,
        [ServiceNames.VictoriaMetrics] = 8428,
    }.Concat(Enumerable.Range(2, StackTopology.MaxBackends - 1).Select(n => KeyValuePair.Create(ServiceNames.BackendInstance(n), 8000 + n - 1)))
     .ToDictionary();

    private readonly Dictionary<string, int> _ports;

    /// <summary>Every default plus <paramref name="offset"/>; <paramref name="overrides"/> win (taken as they are, no offset).</summary>
    public PortPlan(int offset = 0, IReadOnlyDictionary<string, int>? overrides = null)
    {
        Offset = offset;
        _ports = Defaults.ToDictionary(p => p.Key, p => p.Value + offset);
        foreach (var (service, port) in overrides ?? new Dictionary<string, int>())
        {
            _ports[service] = port;
        }

        if (_ports.Values.Any(p => p is < 1 or > 65535))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "--port-offset moves a port outside 1-65535");
        }
    }

    /// <summary>The plan without offset: contract §3 as written.</summary>
    public static PortPlan Default { get; } = new();

    /// <summary>The offset added to every default.</summary>
    public int Offset { get; }

    /// <summary>Every service and its port.</summary>
    public IReadOnlyDictionary<string, int> All => _ports;

    /// <summary>Where <c>up</c> records the offset it ran with: <c>&lt;state&gt;/port-offset</c>.</summary>
    public static string RecordFileOf(StackPaths paths) => Path.Combine(paths.Root, "port-offset");

    /// <summary>
    /// Records the offset in the state folder (write then rename), so that later verbs on the same folder (status,
    /// doctor, stop/start, backup, explain) reach the stack on its ports without repeating <c>--port-offset</c>.
    /// </summary>
    public void Record(StackPaths paths) => AtomicFile.Write(RecordFileOf(paths), Offset.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The offset <c>up</c> recorded in the state folder; null when none was (or the file is not a number).</summary>
    public static int? RecordedOffset(StackPaths paths)
    {
        var file = RecordFileOf(paths);
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var offset)
            ? offset
            : null;
    }

    /// <summary>The port of <paramref name="service"/> (one of <see cref="ServiceNames"/>).</summary>
    public int this[string service] => _ports.TryGetValue(service, out var port)
        ? port
        : throw new KeyNotFoundException($"no port planned for service '{service}'; known: {string.Join(", ", _ports.Keys)}");
}
