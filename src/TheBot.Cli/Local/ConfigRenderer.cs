using System.Diagnostics;
using TheBot.Cli.Config;
using TheBot.Stack;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Local;

/// <summary>
/// Renders the runtime configs of a local stack from <c>monitoring/</c>. One source of truth: the committed
/// rules, routes, inhibitions and templates are used as they are; only scrape targets, file paths and secrets
/// (and, in local mode, where notifications go) differ.
/// </summary>
internal sealed class ConfigRenderer(string repositoryRoot, StackPaths paths)
{
    /// <summary>Prometheus job → the service whose port it scrapes (contract §3).</summary>
    public static readonly IReadOnlyDictionary<string, string> JobServices = new Dictionary<string, string>
    {
        ["thebot-backend"] = ServiceNames.Backend,
        ["thebot-frontend"] = ServiceNames.Frontend,
        ["node"] = ServiceNames.NodeExporter,
        ["postgres"] = ServiceNames.PostgresExporter,
        ["redis"] = ServiceNames.RedisExporter,
        ["prometheus"] = ServiceNames.Prometheus,
        ["alertmanager"] = ServiceNames.Alertmanager,
    };

    /// <summary>
    /// Jobs whose committed targets carry the label <c>instance</c> of the server their exporter watches (PostgreSQL,
    /// Redis): the local stack sets it to that server's loopback address, as it sets the targets.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string> WatchedServers = new Dictionary<string, string>
    {
        ["postgres"] = ServiceNames.PostgreSql,
        ["redis"] = ServiceNames.Redis,
    };

    /// <summary>
    /// Shortest scrape interval a job keeps when a compressed profile asks for less. postgres_exporter needs about 1 s
    /// (more under load) to report a database that is down, so a shorter scrape timeout would lose <c>pg_up == 0</c>
    /// exactly when it matters. The standard profile (15 s) is never affected.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> MinimumScrapeInterval = new Dictionary<string, TimeSpan>
    {
        ["postgres"] = TimeSpan.FromSeconds(5),
    };

    /// <summary>The interval a job is scraped at when the global interval is <paramref name="global"/>.</summary>
    public static TimeSpan ScrapeIntervalOf(string job, TimeSpan global) =>
        MinimumScrapeInterval.TryGetValue(job, out var minimum) && global < minimum ? minimum : global;

    /// <summary>The environment variables that switch Alertmanager from the local inbox to real receivers.</summary>
    public static readonly string[] ReceiverVariables =
        ["SLACK_WEBHOOK_URL", "PAGERDUTY_SERVICE_KEY", "SMTP_PASSWORD", "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "ALERT_WEBHOOK_URL", "DEADMANS_SWITCH_URL"];

    public string Monitoring => Path.Combine(repositoryRoot, "monitoring");

    public string PrometheusConfig => Path.Combine(paths.Config, "prometheus.yml");

    /// <summary>The config of one replica: prometheus.yml for <c>prometheus</c>, <c>&lt;name&gt;.yml</c> for another.</summary>
    public string PrometheusConfigOf(string replica) => replica == ServiceNames.Prometheus ? PrometheusConfig : Path.Combine(paths.Config, replica + ".yml");

    /// <summary>The committed Prometheus config <paramref name="topology"/> runs: prometheus-ha.yml in HA, else prometheus.yml.</summary>
    public string SourcePrometheusConfig(StackTopology topology) => Path.Combine(Monitoring, "prometheus", PrometheusConfigContract.FileOf(topology));

    /// <summary>
    /// The committed global <c>scrape_interval</c> (15 s) of the file <paramref name="topology"/>'s replicas load, the
    /// interval of the standard profile. A file that cannot be read or whose interval is not a duration is a
    /// <see cref="ConfigException"/> naming it; the rest of the contract is <see cref="RenderPrometheus"/>'s to enforce.
    /// </summary>
    public TimeSpan SourceScrapeInterval(StackTopology topology)
    {
        var source = SourcePrometheusConfig(topology);
        return PrometheusConfigContract.ScrapeInterval(source, Yaml.Load(source));
    }

    /// <summary>
    /// The committed Prometheus config <paramref name="topology"/> runs, held to <see cref="PrometheusConfigContract"/>:
    /// a <see cref="ConfigException"/> naming the file and every problem when it breaks it. What <c>up</c> checks before
    /// it installs or builds anything, and what <see cref="RenderPrometheus"/> starts from, so the two cannot disagree.
    /// </summary>
    public YamlMappingNode LoadPrometheusSource(StackTopology topology)
    {
        var source = SourcePrometheusConfig(topology);
        var root = Yaml.Load(source);
        PrometheusConfigContract.Enforce(source, root, topology.HighAvailability);
        return root;
    }

    /// <summary>
    /// The global <c>scrape_interval</c> of the prometheus.yml rendered into the state folder: the one the running
    /// replicas scrape at (a profile's, or the committed one); null before <c>up</c> rendered one.
    /// </summary>
    public TimeSpan? RenderedScrapeInterval =>
        File.Exists(PrometheusConfig) ? PrometheusConfigContract.ScrapeInterval(PrometheusConfig, Yaml.Load(PrometheusConfig)) : null;

    /// <summary>The job that scrapes VictoriaMetrics' own /metrics in the HA topology (added there, absent in the single-node stack).</summary>
    public const string VictoriaMetricsJob = "victoriametrics";

    /// <summary>The external label that tells the HA topology's Prometheus replicas apart, dropped from alerts and remote_write.</summary>
    public const string ReplicaLabel = "replica";

    public string AlertmanagerConfig => Path.Combine(paths.Config, "alertmanager.yml");

    public string PostgresQueries => Path.Combine(Monitoring, "postgres-exporter", "queries.yml");

    public string ScrapeTokenFile => paths.SecretFile(SecretNames.ScrapeToken);

    /// <summary>Loki's rendered config.</summary>
    public string LokiConfig => Path.Combine(paths.Config, "loki.yml");

    /// <summary>Grafana's rendered provisioning folder (datasources/, dashboards/).</summary>
    public string GrafanaProvisioning => Path.Combine(paths.Config, "grafana", "provisioning");

    /// <summary>The committed dashboards; a local Grafana loads them from the repository itself.</summary>
    public string Dashboards => Path.Combine(Monitoring, "grafana", "dashboards");

    /// <summary>Host name of a compose service in the committed Grafana datasources → the local service it stands for.</summary>
    public static readonly IReadOnlyDictionary<string, string> DatasourceHosts = new Dictionary<string, string>
    {
        ["prometheus"] = ServiceNames.Prometheus,
        ["loki"] = ServiceNames.Loki,
        ["alertmanager"] = ServiceNames.Alertmanager,
    };

    /// <summary>The keys of a committed Grafana datasource that carry compose's basic auth (dropped locally).</summary>
    public static readonly string[] BasicAuthKeys = ["basicAuth", "basicAuthUser", "secureJsonData"];


    /// <summary>
    /// Writes prometheus.yml for loopback targets; <paramref name="interval"/> overrides the global intervals
    /// (time-compressed runs). In the HA topology (<paramref name="topology"/>) it writes one replica's config from
    /// the committed <c>prometheus-ha.yml</c>, the file compose's replicas load (<see cref="HighAvailability"/>): the
    /// same scrape configs for both, apart only in the external label <c>replica</c>.
    /// </summary>
    public void RenderPrometheus(PortPlan ports, TimeSpan? interval = null, string? ruleDirectory = null, StackTopology? topology = null, string? replica = null)
    {
        topology ??= StackTopology.Single;
        // Refused whole before anything is rewritten, with what ./thebot check reports for the same file. What follows
        // relies on it: every job named and known, and in HA every part HighAvailability keeps.
        var root = LoadPrometheusSource(topology);
        var rules = ruleDirectory ?? Path.Combine(Monitoring, "prometheus");
        if (root.Seq("rule_files") is { } ruleFiles)
        {
            root.Set("rule_files", Yaml.Strings(ruleFiles.Children.OfType<YamlScalarNode>().Select(f => Path.Combine(rules, f.Value!))));
        }

        if (interval is { } every && root.Map("global") is { } global)
        {
            var text = $"{(int)every.TotalMilliseconds}ms";
            global.Set("scrape_interval", text);
            global.Set("evaluation_interval", text);
            global.Set("scrape_timeout", text);
        }

        string[] Loopback(IEnumerable<string> services) => [.. services.Select(service => $"127.0.0.1:{ports[service]}")];
        foreach (var alerting in root.Map("alerting")?.Seq("alertmanagers")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            SetTargets(alerting, Loopback(topology.AlertmanagerMembers));
            alerting.Remove("basic_auth"); // the local Alertmanager listens on loopback without a web config
        }

        var jobs = root.Seq("scrape_configs")!;
        var withoutStore = new List<YamlMappingNode>();
        foreach (var job in jobs.Children.OfType<YamlMappingNode>())
        {
            var name = job.Text("job_name")!;
            if (name == VictoriaMetricsJob)
            {
                // A committed job for the compose HA profile's VictoriaMetrics: pointed at the local one in HA, and
                // dropped from the single-node stack, which has none to scrape.
                (topology.HighAvailability ? (Action)(() => SetTargets(job, Loopback([ServiceNames.VictoriaMetrics]))) : () => withoutStore.Add(job))();
                job.Remove("basic_auth");
                continue;
            }

            var service = JobServices[name];
            SetTargets(job, Loopback(service switch
            {
                ServiceNames.Prometheus => topology.PrometheusReplicas.Select(r => r.Name),
                ServiceNames.Alertmanager => topology.AlertmanagerMembers,
                _ => [service],
            }));
            if (WatchedServers.TryGetValue(name, out var server))
            {
                SetWatchedInstance(job, $"127.0.0.1:{ports[server]}");
            }

            // The compose stack's Prometheus and Alertmanager require basic auth (their --web.config.file); the local
            // ones listen on loopback without it, and the password file the block names exists only in the container.
            job.Remove("basic_auth");
            if (interval is { } compressed && ScrapeIntervalOf(name, compressed) is var own && own != compressed)
            {
                job.Set("scrape_interval", $"{(int)own.TotalMilliseconds}ms");
                job.Set("scrape_timeout", $"{(int)(own.TotalMilliseconds * 0.8)}ms");
            }

            if (job.Map("authorization") is { } authorization && authorization.Get("credentials_file") is not null)
            {
                authorization.Set("credentials_file", ScrapeTokenFile);
            }
        }

        withoutStore.ForEach(job => jobs.Children.Remove(job));
        if (topology.HighAvailability)
        {
            HighAvailability(root, jobs, ports, replica ?? throw new ArgumentNullException(nameof(replica), "an HA replica needs its replica label"));
        }

        Yaml.Save(root, PrometheusConfigOf(topology.PrometheusReplicas.Single(r => r.Replica == replica).Name));
    }

    /// <summary>
    /// What makes the committed HA config (docs/adr/0008-ha-topology.md) run on loopback: the replica's name in the
    /// external label <c>replica</c> (compose expands <c>${PROMETHEUS_REPLICA}</c>), the backend's file_sd file at the
    /// one <c>./thebot scale</c> rewrites, and remote_write to the local VictoriaMetrics without compose's basic auth.
    /// Everything else — dropping <c>replica</c> from alerts and from remote_write, every Alertmanager member, both
    /// replicas under job prometheus, job victoriametrics — is the committed file's, so the local HA stack and
    /// compose's cannot drift apart; a file that lacks one of them was refused, naming it, by
    /// <see cref="PrometheusConfigContract.Enforce"/> before this runs.
    /// </summary>
    private void HighAvailability(YamlMappingNode root, YamlSequenceNode jobs, PortPlan ports, string replica)
    {
        root.Map("global")!.Map("external_labels")!.Set(ReplicaLabel, replica);
        var backend = PrometheusConfigContract.Job(jobs, "thebot-backend")!;
        PrometheusConfigContract.BackendDiscovery(backend)!.Set("files", Yaml.Strings([BackendTargets.DiscoveryFile(paths)]));
        var remote = PrometheusConfigContract.RemoteWrite(root)!;
        remote.Set("url", $"http://127.0.0.1:{ports[ServiceNames.VictoriaMetrics]}/api/v1/write");
        remote.Remove("basic_auth"); // the local VictoriaMetrics listens on loopback without auth
    }

    /// <summary>
    /// Writes loki.yml: the committed limits, retention, schema and storage layout, with every path under the compose
    /// volume (<c>common.path_prefix</c>) moved into the state folder, both listeners on 127.0.0.1 at offset ports,
    /// and the ruler pointed at the local Alertmanager.
    /// </summary>
    public void RenderLoki(PortPlan ports)
    {
        var source = Path.Combine(Monitoring, "loki", "loki-config.yml");
        var root = Yaml.Load(source);
        var server = root.Map("server") ?? throw new ConfigException(source, "server is missing");
        server.Set("http_listen_address", "127.0.0.1");
        server.Set("http_listen_port", $"{ports[ServiceNames.Loki]}");
        server.Set("grpc_listen_address", "127.0.0.1");
        server.Set("grpc_listen_port", $"{ports[ServiceNames.GrpcPort(ServiceNames.Loki)]}");
        var prefix = root.Map("common")?.Text("path_prefix") ?? throw new ConfigException(source, "common.path_prefix is missing");
        Rebase(root, prefix.TrimEnd('/'), paths.Data(ServiceNames.Loki));
        if (root.Map("ruler") is { } ruler)
        {
            ruler.Set("alertmanager_url", $"http://127.0.0.1:{ports[ServiceNames.Alertmanager]}");
            ruler.Remove("alertmanager_client"); // compose's basic auth; the local Alertmanager has none
        }

        Yaml.Save(root, LokiConfig);
    }

    /// <summary>
    /// Writes Grafana's provisioning: the committed datasources (same uids and settings) pointed at the local
    /// services, and the committed dashboard provider reading the repository's dashboards folder.
    /// </summary>
    public void RenderGrafana(PortPlan ports)
    {
        var provisioning = Path.Combine(Monitoring, "grafana", "provisioning");
        var datasourcesFile = Path.Combine(provisioning, "datasources", "datasources.yml");
        var datasources = Yaml.Load(datasourcesFile);
        foreach (var datasource in datasources.Seq("datasources")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            if (datasource.Text("url") is not { } url)
            {
                continue;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !DatasourceHosts.TryGetValue(uri.Host, out var service))
            {
                throw new ConfigException(datasourcesFile, $"datasource '{datasource.Text("name")}' points at {url}, not at one of the stack's services ({string.Join(", ", DatasourceHosts.Keys)})");
            }

            datasource.Set("url", $"http://127.0.0.1:{ports[service]}{uri.AbsolutePath.TrimEnd('/')}");
            // Compose's basic auth for Prometheus and Alertmanager; the local ones listen on loopback without it.
            foreach (var key in BasicAuthKeys)
            {
                datasource.Remove(key);
            }
        }

        Yaml.Save(datasources, Path.Combine(GrafanaProvisioning, "datasources", "datasources.yml"));

        var dashboardsFile = Path.Combine(provisioning, "dashboards", "dashboards.yml");
        var dashboards = Yaml.Load(dashboardsFile);
        foreach (var provider in dashboards.Seq("providers")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            var options = provider.Map("options") ?? throw new ConfigException(dashboardsFile, $"provider '{provider.Text("name")}' has no options.path");
            options.Set("path", Dashboards);
        }

        Yaml.Save(dashboards, Path.Combine(GrafanaProvisioning, "dashboards", "dashboards.yml"));
    }

    /// <summary>
    /// Writes alertmanager.yml. With every receiver variable set (environment or <c>.env.production</c>) the real
    /// receivers are rendered by monitoring/alertmanager/render-config.sh; with none, every receiver delivers to the
    /// local inbox at <c>inboxUrl/&lt;receiver&gt;</c>. Returns which mode it rendered.
    /// </summary>
    public async Task<string> RenderAlertmanagerAsync(string inboxUrl, CancellationToken cancellationToken, StackCustomization? customization = null)
    {
        var source = Path.Combine(Monitoring, "alertmanager", "alertmanager.yml");
        var environment = customization?.ReceiverVariables is { } explicitReceivers
            ? explicitReceivers.Where(p => p.Value.Length > 0).ToDictionary(p => p.Key, p => p.Value)
            : ReceiverEnvironment();
        var set = ReceiverVariables.Where(environment.ContainsKey).ToList();
        string mode;
        string renderedSource;
        if (set.Count == ReceiverVariables.Length)
        {
            renderedSource = Path.Combine(paths.Config, "alertmanager.real.yml");
            await RunRenderScriptAsync(source, renderedSource, environment, cancellationToken);
            mode = "real receivers (Slack, PagerDuty, email, webhooks)";
        }
        else if (set.Count > 0)
        {
            throw new ConfigException(source, $"real receivers need every one of {string.Join(", ", ReceiverVariables)}; missing: {string.Join(", ", ReceiverVariables.Except(set))} (see .env.example)");
        }
        else
        {
            renderedSource = source;
            mode = "local inbox";
        }

        var root = Yaml.Load(renderedSource);
        // The committed file names the container's /etc/alertmanager/templates/: the local inbox reads the repository's.
        // With real receivers render-config.sh has already pointed the glob at its own copies, which carry the
        // deployment's GRAFANA_ROOT_URL in their links; re-pointing them at the repository dropped it.
        if (mode == "local inbox" && root.Seq("templates") is { } templates)
        {
            root.Set("templates", Yaml.Strings(templates.Children.OfType<YamlScalarNode>()
                .Select(t => Path.Combine(Monitoring, "alertmanager", "templates", Path.GetFileName(t.Value!)))));
        }

        if (mode == "local inbox")
        {
            if (root.Map("global") is { } global)
            {
                foreach (var key in global.Children.Keys.OfType<YamlScalarNode>().Where(k => k.Value!.StartsWith("smtp_", StringComparison.Ordinal)).ToList())
                {
                    global.Children.Remove(key);
                }
            }

            foreach (var receiver in root.Seq("receivers")?.Children.OfType<YamlMappingNode>() ?? [])
            {
                var name = receiver.Text("name")!;
                var integrations = receiver.Children.Keys.OfType<YamlScalarNode>().Where(k => k.Value != "name").ToList();
                if (integrations.Count == 0)
                {
                    continue; // a receiver for no one (`silent`, an inhibition source's) stays silent in the inbox too
                }

                foreach (var key in integrations)
                {
                    receiver.Children.Remove(key);
                }

                receiver.Set("webhook_configs", new YamlSequenceNode(new YamlMappingNode(
                    new YamlScalarNode("url"), new YamlScalarNode($"{inboxUrl}/{name}"),
                    new YamlScalarNode("send_resolved"), new YamlScalarNode("true"))));
            }
        }

        (customization ?? StackCustomization.None).Alertmanager(root);
        // With real receivers the file holds ALERT_WEBHOOK_URL and DEADMANS_SWITCH_URL, secrets (SPEC §8) like those
        // render-config.sh keeps in files of their own: readable by Alertmanager's user (this one) alone.
        Yaml.SaveSecret(root, AlertmanagerConfig);
        return mode;
    }

    /// <summary>Receiver variables from the environment, then from <c>.env.production</c> at the repository root.</summary>
    private Dictionary<string, string> ReceiverEnvironment()
    {
        var values = new Dictionary<string, string>();
        var envFile = Path.Combine(repositoryRoot, ".env.production");
        if (File.Exists(envFile))
        {
            foreach (var line in File.ReadLines(envFile))
            {
                var trimmed = line.Trim();
                var equals = trimmed.IndexOf('=');
                if (trimmed.StartsWith('#') || equals <= 0)
                {
                    continue;
                }

                var value = trimmed[(equals + 1)..].Trim().Trim('"', '\'');
                if (value.Length > 0)
                {
                    values[trimmed[..equals].Trim()] = value;
                }
            }
        }

        // Optional ones render-config.sh defaults: the #thebot-ops webhook (else SLACK_WEBHOOK_URL's) and the
        // notifications' Grafana links.
        foreach (var name in ReceiverVariables.Append("SLACK_OPS_WEBHOOK_URL").Append("GRAFANA_ROOT_URL"))
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                values[name] = value;
            }
        }

        return values;
    }

    private async Task RunRenderScriptAsync(string source, string destination, Dictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var script = Path.Combine(Monitoring, "alertmanager", "render-config.sh");
        var result = await CommandRunner.RunAsync("/bin/sh", [script, source, destination, Path.Combine(paths.Secrets, "alertmanager")],
            new CommandOptions { Environment = environment }, cancellationToken);
        if (!result.Succeeded)
        {
            throw new ConfigException(script, result.StandardError.Trim());
        }
    }

    /// <summary>Replaces <paramref name="prefix"/> by <paramref name="folder"/> in every path value below <paramref name="node"/>.</summary>
    private static void Rebase(YamlNode node, string prefix, string folder)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children.ToList())
                {
                    if (value is YamlScalarNode { Value: { } text } && (text == prefix || text.StartsWith(prefix + "/", StringComparison.Ordinal)))
                    {
                        map.Children[key] = new YamlScalarNode(folder + text[prefix.Length..]);
                    }
                    else
                    {
                        Rebase(value, prefix, folder);
                    }
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var item in sequence.Children)
                {
                    Rebase(item, prefix, folder);
                }

                break;
        }
    }

    /// <summary>Points a target group's <c>instance</c> label, where the committed file sets one, at the local server.</summary>
    private static void SetWatchedInstance(YamlMappingNode job, string address)
    {
        foreach (var staticConfig in job.Seq("static_configs")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            if (staticConfig.Map("labels") is { } labels && labels.Get("instance") is not null)
            {
                labels.Set("instance", address);
            }
        }
    }

    private static void SetTargets(YamlMappingNode config, IEnumerable<string> targets)
    {
        foreach (var staticConfig in config.Seq("static_configs")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            staticConfig.Set("targets", Yaml.Strings(targets));
        }
    }
}
