using TheBot.Stack;
using TheBot.Cli.Local.Components;
using TheBot.Stack.Components;

namespace TheBot.Cli.Local;

/// <summary>
/// The whole THE_BOT stack on one machine, as declarative process specs in dependency order: PostgreSQL and Redis,
/// the backend and frontend, the three exporters, the notification inbox, Alertmanager and Prometheus, and Grafana
/// and Loki where their binaries are installed. In the HA topology (<see cref="Topology"/>) the backend runs as N
/// instances behind the frontend, Prometheus as two replicas, Alertmanager as a three-member cluster, and
/// VictoriaMetrics joins as the long-term store.
/// </summary>
internal sealed class LocalStack
{
    private readonly StackLocation _location;

    /// <summary>
    /// Built from what <c>up</c> left in the state folder (no topology given), as the verbs after it build the stack.
    /// <c>up</c> gives its topology and renders anew: a state folder left by another profile's <c>up</c> must not decide
    /// what it is about to run.
    /// </summary>
    private readonly bool _readFromStateFolder;

    /// <param name="location">State folder and ports.</param>
    /// <param name="customization">What code other than the verbs changes (<see cref="StackCustomization"/>); null changes nothing.</param>
    /// <param name="topology">The processes to run; null reads what <c>up</c> recorded in the state folder (single-node when nothing was).</param>
    public LocalStack(StackLocation location, StackCustomization? customization = null, StackTopology? topology = null)
    {
        _location = location;
        Customization = customization ?? StackCustomization.None;
        var paths = location.Paths;
        var ports = location.Ports;
        Topology = topology ?? StackTopology.Load(paths);
        _readFromStateFolder = topology is null;
        Renderer = new ConfigRenderer(location.RepositoryRoot, paths);
        Secrets = new StackSecrets(paths);
        Postgres = new PostgreSql(paths, ports[ServiceNames.PostgreSql], Secrets.Get(SecretNames.PostgresPassword));
        Redis = new Redis(paths, ports[ServiceNames.Redis]);
        var members = Topology.AlertmanagerMembers;
        Alertmanagers = [.. members.Select(member => new Alertmanager(paths, ports[member], Renderer.AlertmanagerConfig)
        {
            Name = member,
            // The rendered receivers post to the local inbox (RenderConfigsAsync).
            ReceiverServices = [ServiceNames.Inbox],
            ClusterPort = Topology.HighAvailability ? ports[ServiceNames.ClusterPort(member)] : null,
            Peers = Topology.HighAvailability ? [.. members.Where(m => m != member).Select(m => ports[ServiceNames.ClusterPort(m)])] : [],
        })];
        VictoriaMetrics = Topology.HighAvailability
            ? new VictoriaMetrics(paths, ports[ServiceNames.VictoriaMetrics]) { DedupInterval = ScrapeInterval }
            : null;
        Prometheuses = [.. Topology.PrometheusReplicas.Select(replica => new Prometheus(paths, ports[replica.Name], Renderer.PrometheusConfigOf(replica.Name))
        {
            Name = replica.Name, Replica = replica.Replica, RetentionTime = "15d", RetentionSize = "50GB", NativeHistograms = Topology.NativeHistograms,
            AlertmanagerServices = members,
            RemoteWriteService = VictoriaMetrics is null ? null : ServiceNames.VictoriaMetrics,
        })];
        var dotnet = new DotnetService(paths, ServicesBuild, DotnetHost, Customization.Environment);
        Backend = new Backend(dotnet, ports, Secrets);
        Frontend = new Frontend(dotnet, ports);
        NodeExporter = new NodeExporter(ports[ServiceNames.NodeExporter]);
        PostgresExporter = new PostgresExporter(ports[ServiceNames.PostgresExporter], Postgres.DataSourceName, Renderer.PostgresQueries);
        RedisExporter = new RedisExporter(ports[ServiceNames.RedisExporter], Redis.Port, Redis.Password);
        Inbox = new LocalInbox(ports, InboxDirectory, DotnetHost);
        Loki = new Loki(ports, Renderer.LokiConfig);
        Grafana = new Grafana(paths, ports, Renderer.GrafanaProvisioning);
    }

    public StackCustomization Customization { get; }

    public ConfigRenderer Renderer { get; }

    /// <summary>
    /// The passwords and tokens the specs carry: read from the state folder, or generated in memory until
    /// <see cref="RenderConfigsAsync"/> saves them, so describing a stack writes nothing.
    /// </summary>
    public StackSecrets Secrets { get; }

    public PostgreSql Postgres { get; }

    public Redis Redis { get; }

    /// <summary>Single-node or HA, and how many backend instances.</summary>
    public StackTopology Topology { get; }

    /// <summary>Every backend instance (<see cref="StackTopology.BackendNames"/>).</summary>
    public Backend Backend { get; }

    public Frontend Frontend { get; }

    public NodeExporter NodeExporter { get; }

    public PostgresExporter PostgresExporter { get; }

    public RedisExporter RedisExporter { get; }

    /// <summary>The local notification inbox the receivers point at.</summary>
    public LocalInbox Inbox { get; }

    /// <summary>Loki; started only where its binary is installed.</summary>
    public Loki Loki { get; }

    /// <summary>Grafana; started only where its binary is installed and an admin password is given.</summary>
    public Grafana Grafana { get; }

    /// <summary>The first (or only) Prometheus replica.</summary>
    public Prometheus Prometheus => Prometheuses[0];

    /// <summary>Every Prometheus replica: one, or <c>prometheus</c> (replica a) and <c>prometheus-b</c> in HA.</summary>
    public IReadOnlyList<Prometheus> Prometheuses { get; }

    /// <summary>The first (or only) Alertmanager member.</summary>
    public Alertmanager Alertmanager => Alertmanagers[0];

    /// <summary>Every Alertmanager member: one, or the three of the HA cluster.</summary>
    public IReadOnlyList<Alertmanager> Alertmanagers { get; }

    /// <summary>The long-term store of the HA topology; null in the single-node stack.</summary>
    public VictoriaMetrics? VictoriaMetrics { get; }

    /// <summary>
    /// The global scrape interval: the profile's; for a stack read back from its state folder, the one its prometheus.yml
    /// was rendered with (<c>start victoriametrics</c> after an <c>up</c> under a profile with its own interval must
    /// deduplicate at the interval the replicas really scrape at, not at the committed one); otherwise the one of
    /// the committed config the topology's replicas load (prometheus-ha.yml in HA, not prometheus.yml).
    /// </summary>
    public TimeSpan ScrapeInterval => Customization.ScrapeInterval ?? (_readFromStateFolder ? Renderer.RenderedScrapeInterval : null) ?? Renderer.SourceScrapeInterval(Topology);

    /// <summary>The bearer token of the backends' scrape endpoints (<see cref="Components.Backend.ScrapeToken"/>).</summary>
    public string ScrapeToken => Backend.ScrapeToken;

    /// <summary>The bearer token of the backends' admin endpoints (<see cref="Components.Backend.AdminToken"/>).</summary>
    public string AdminToken => Backend.AdminToken;

    public StackLocation Location => _location;

    /// <summary>Folder the backend and frontend are built into.</summary>
    public string ServicesBuild => Path.Combine(_location.RepositoryRoot, "artifacts", "services");

    /// <summary>Where notifications land in local mode.</summary>
    public string InboxDirectory => Path.Combine(_location.Paths.Root, "inbox");

    /// <summary>
    /// The dotnet host itself (not a wrapper such as env): pid files recognise a process by its executable's name in
    /// /proc/&lt;pid&gt;/cmdline, so the recorded executable must be what actually runs.
    /// </summary>
    public static string DotnetHost => Environment.ProcessPath is { } path && Path.GetFileName(path) == "dotnet" ? path : "/usr/bin/dotnet";

    /// <summary>Finds an optional component's binary (Loki, Grafana); <see cref="FindOnPath"/> unless a test gives another.</summary>
    public Func<string, string?> FindBinary { get; init; } = FindOnPath;

    /// <summary>Grafana's admin password (<c>GRAFANA_ADMIN_PASSWORD</c>); without one Grafana is not started, as it has no default.</summary>
    public string? GrafanaAdminPassword { get; init; } = Environment.GetEnvironmentVariable("GRAFANA_ADMIN_PASSWORD");

    /// <summary>Optional components whose binary is on PATH.</summary>
    public static string? FindOnPath(string binary) => ExecutableSearch.OnPath(binary);

    /// <summary>Every process of the stack, in the order they start: each component's (<see cref="StackComponents.All"/>), in registry order.</summary>
    public IReadOnlyList<ProcessSpec> Specs() =>
        [.. StackComponents.All.SelectMany(component => component.Specs(this)).Select(spec => Customization.Spec(spec, this))];

    /// <summary>
    /// Writes the runtime configs (prometheus.yml — one per replica —, alertmanager.yml, loki.yml, Grafana's
    /// provisioning, and in HA the backend targets) and the secrets generated so far into the state folder and records
    /// the topology and the port offset; returns the notification mode.
    /// </summary>
    public async Task<string> RenderConfigsAsync(CancellationToken cancellationToken)
    {
        Secrets.Save();
        Directory.CreateDirectory(_location.Paths.Config);
        Topology.Save(_location.Paths);
        _location.Ports.Record(_location.Paths);
        if (Topology.HighAvailability)
        {
            BackendTargets.Write(this);
        }

        foreach (var (name, replica) in Topology.PrometheusReplicas)
        {
            Renderer.RenderPrometheus(_location.Ports, Customization.ScrapeInterval, Customization.RuleDirectory, Topology, replica);
        }

        Renderer.RenderLoki(_location.Ports);
        Renderer.RenderGrafana(_location.Ports);
        return await Renderer.RenderAlertmanagerAsync(_location.Url(ServiceNames.Inbox), cancellationToken, Customization);
    }
}
