namespace TheBot.Stack.Components;

/// <summary>
/// Alertmanager with its state in the state folder, listening on 127.0.0.1; ready when <c>/-/ready</c> answers.
/// Clustering is off unless <see cref="ClusterPort"/> is set: then the member gossips on 127.0.0.1 with
/// <see cref="Peers"/> (the HA topology's three members), sharing silences and the notification log, so an alert that
/// several Prometheus replicas send to every member is notified once.
/// </summary>
public sealed class Alertmanager(StackPaths paths, int port, string configFile)
{
    /// <summary>The server binary.</summary>
    public const string Executable = "/usr/bin/prometheus-alertmanager";

    /// <summary>amtool, from the same package: checks configs and tests routes.</summary>
    public const string Amtool = "/usr/bin/amtool";

    /// <summary>The Debian package that ships <see cref="Executable"/>, named when it is missing.</summary>
    public const string DebianPackage = "prometheus-alertmanager";

    /// <summary>The binaries this component needs installed → the Debian package that ships each (joined by the CLI's <c>DebianPackageMap</c>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } = [(Executable, DebianPackage), (Amtool, DebianPackage)];

    /// <summary>HTTP port on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <summary>Service name: <c>alertmanager</c>, or <c>alertmanager-2</c>/<c>-3</c> for the HA topology's other members.</summary>
    public string Name { get; init; } = ServiceNames.Alertmanager;

    /// <summary>Gossip port on 127.0.0.1 (<c>--cluster.listen-address</c>); null switches clustering off.</summary>
    public int? ClusterPort { get; init; }

    /// <summary>
    /// How long a member waits per position in the cluster before it notifies a group itself
    /// (<c>--cluster.peer-timeout</c>, Alertmanager's default, stated so waits can be derived from it): the first
    /// member notifies at once, the second after one timeout unless the first's notification log reached it by gossip.
    /// </summary>
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The other members' gossip ports on 127.0.0.1 (<c>--cluster.peer</c>).</summary>
    public IReadOnlyList<int> Peers { get; init; } = [];

    /// <summary>
    /// The stack services its receivers post to (the local stack's notification inbox): started and ready before it,
    /// so the first notification of a group does not fail on a sink still starting. None by default (receivers
    /// elsewhere, or a test's Alertmanager alone).
    /// </summary>
    public IReadOnlyList<string> ReceiverServices { get; init; } = [];

    /// <summary>The alertmanager.yml it loads.</summary>
    public string ConfigFile { get; } = configFile;

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:9093</c>.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Its row of the services table; a cluster member is named and gives its gossip port.</summary>
    public ServiceAccess Access => ClusterPort is { } gossip
        ? new($"Alertmanager {Name}", Url, $"{AuthNote}, loopback only; gossip on 127.0.0.1:{gossip}")
        : new("Alertmanager", Url, $"{AuthNote}, loopback only");

    private string AuthNote => WebAuth is null ? "no auth" : "basic auth";

    /// <summary>Basic auth on every endpoint (<c>--web.config.file</c>); null (the local stack's default) leaves it open on loopback.</summary>
    public WebAuth? WebAuth { get; init; }

    /// <summary>Where the web config is written when <see cref="WebAuth"/> is set.</summary>
    public string WebConfigFile => Path.Combine(paths.Config, $"{Name}-web.yml");

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => HttpComponent.WithAuth(OpenSpec, WebAuth, WebConfigFile, Url + "/-/ready") with
    {
        DependsOn = ReceiverServices,
        Version = VersionProbe.HttpJson(Url + "/api/v2/status",
            status => "alertmanager " + status.GetProperty("versionInfo").GetProperty("version").GetString(), WebAuth?.Header),
    };

    private ProcessSpec OpenSpec
    {
        get
        {
            var spec = HttpComponent.Spec(Name, Executable, DebianPackage, Port, "/-/ready",
            [
                $"--config.file={ConfigFile}",
                $"--storage.path={paths.Data(Name)}",
                // The notifications' externalURL (and their silence links) is built from it; without it Alertmanager
                // uses the machine's host name, which is not where this loopback-only server answers.
                $"--web.external-url={Url}",
                .. ClusterPort is { } gossip
                    ? [
                        $"--cluster.listen-address=127.0.0.1:{gossip}",
                        // Without it a member on loopback advertises whatever address it guesses, and its peers
                        // cannot reach it back; every member names itself 127.0.0.1 explicitly.
                        $"--cluster.advertise-address=127.0.0.1:{gossip}",
                        .. Peers.Select(peer => $"--cluster.peer=127.0.0.1:{peer}"),
                        $"--cluster.peer-timeout={(int)PeerTimeout.TotalSeconds}s",
                    ]
                    : (string[])["--cluster.listen-address="],
            ]);
            return ClusterPort is { } port ? spec with { Ports = new Dictionary<string, int>(spec.Ports) { ["cluster"] = port } } : spec;
        }
    }
}
