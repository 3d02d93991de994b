using System.Net;
using System.Net.Sockets;

namespace TheBot.Stack;

/// <summary>Service names of the stack (contract §3); they name processes, logs, pid files and ports.</summary>
public static class ServiceNames
{
    /// <summary>The reference backend.</summary>
    public const string Backend = "backend";

    /// <summary>The reference frontend host.</summary>
    public const string Frontend = "frontend";

    /// <summary>Prometheus.</summary>
    public const string Prometheus = "prometheus";

    /// <summary>Alertmanager.</summary>
    public const string Alertmanager = "alertmanager";

    /// <summary>Grafana (only where installed).</summary>
    public const string Grafana = "grafana";

    /// <summary>Loki (only where installed).</summary>
    public const string Loki = "loki";

    /// <summary>Prometheus node exporter.</summary>
    public const string NodeExporter = "node_exporter";

    /// <summary>Prometheus PostgreSQL exporter.</summary>
    public const string PostgresExporter = "postgres_exporter";

    /// <summary>Prometheus Redis exporter.</summary>
    public const string RedisExporter = "redis_exporter";

    /// <summary>PostgreSQL.</summary>
    public const string PostgreSql = "postgresql";

    /// <summary>Redis.</summary>
    public const string Redis = "redis";

    /// <summary>VictoriaMetrics single-node, the HA topology's long-term store (not in the single-node stack).</summary>
    public const string VictoriaMetrics = "victoriametrics";

    /// <summary>The second Prometheus replica of the HA topology (the first, replica <c>a</c>, is <see cref="Prometheus"/>).</summary>
    public const string PrometheusB = "prometheus-b";

    /// <summary>The second and third Alertmanager cluster members of the HA topology (the first is <see cref="Alertmanager"/>).</summary>
    public const string Alertmanager2 = "alertmanager-2";

    /// <inheritdoc cref="Alertmanager2"/>
    public const string Alertmanager3 = "alertmanager-3";

    /// <summary>
    /// Backend instance <paramref name="number"/> (1-based): the first keeps contract §3's name <c>backend</c>, so the
    /// single-node stack and every verb that names it work unchanged; the others are <c>backend-2</c>, <c>backend-3</c>…
    /// </summary>
    public static string BackendInstance(int number) => number == 1 ? Backend : $"{Backend}-{number}";

    /// <summary>
    /// The service an HA member is an instance of (<c>backend-2</c> → <c>backend</c>, <c>prometheus-b</c> →
    /// <c>prometheus</c>, <c>alertmanager-3</c> → <c>alertmanager</c>); any other name is its own.
    /// </summary>
    public static string KindOf(string name) => name switch
    {
        PrometheusB => Prometheus,
        Alertmanager2 or Alertmanager3 => Alertmanager,
        _ when name.StartsWith(Backend + "-", StringComparison.Ordinal) => Backend,
        _ => name,
    };

    /// <summary>The key of an Alertmanager member's gossip (cluster) port in <see cref="PortPlan"/>, e.g. <c>alertmanager-cluster</c>.</summary>
    public static string ClusterPort(string member) => member + "-cluster";
}

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

    /// <summary>The port of <paramref name="service"/> (one of <see cref="ServiceNames"/>).</summary>
    public int this[string service] => _ports.TryGetValue(service, out var port)
        ? port
        : throw new KeyNotFoundException($"no port planned for service '{service}'; known: {string.Join(", ", _ports.Keys)}");
}

/// <summary>Port helpers: free ports for tests, and the busy-port check done before anything starts.</summary>
public static class Ports
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port on 127.0.0.1 that is free right now, never the same twice in this process. It is drawn at random
    /// below the kernel's ephemeral range (<c>ip_local_port_range</c>), so an outgoing connection cannot take it
    /// between this call and the server's own bind, as a port from binding to port 0 could be.
    /// </summary>
    public static int GetFree()
    {
        var (low, high) = (10_000, EphemeralLowerBound() - 1);
        if (high - low < 1000)
        {
            (low, high) = (EphemeralLowerBound(), 65_535);
        }

        while (true)
        {
            var port = Random.Shared.Next(low, high + 1);
            lock (HandedOut)
            {
                if (!HandedOut.Contains(port) && IsFree(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }
    }

    /// <summary>True when nothing listens on <paramref name="port"/> at 127.0.0.1 (or on all addresses).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

            // Like the servers themselves: connections of a stopped server lingering in TIME_WAIT do not make the
            // port busy, a listening socket (on 127.0.0.1 or on all addresses) does.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralLowerBound()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 32_768;
        }
    }

    /// <summary>
    /// Throws <see cref="PortInUseException"/> for the first busy port: "port 9090 (prometheus) is in use; pick
    /// another with --port-offset N".
    /// </summary>
    public static void EnsureFree(IEnumerable<(string Service, int Port)> ports, string overrideHint = "--port-offset N")
    {
        foreach (var (service, port) in ports)
        {
            if (!IsFree(port))
            {
                throw new PortInUseException(service, port, overrideHint);
            }
        }
    }
}
