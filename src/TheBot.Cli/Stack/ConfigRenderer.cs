using System.Diagnostics;
using TheBot.Stack;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Stack;

/// <summary>
/// Renders the runtime configs of a local stack from <c>monitoring/</c>. One source of truth: the committed
/// rules, routes, inhibitions and templates are used as they are; only scrape targets, file paths and secrets
/// (and, in local mode, where notifications go) differ.
/// </summary>
internal sealed class ConfigRenderer(string repositoryRoot, StackPaths paths)
{
    /// <summary>Prometheus job → the service whose port it scrapes (SPEC §3).</summary>
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

    public string AlertmanagerConfig => Path.Combine(paths.Config, "alertmanager.yml");

    public string PostgresQueries => Path.Combine(Monitoring, "postgres-exporter", "queries.yml");

    public string ScrapeTokenFile => Path.Combine(paths.Secrets, "scrape-token");

    /// <summary>Writes prometheus.yml for loopback targets; <paramref name="interval"/> overrides the global intervals (time-compressed runs).</summary>
    public void RenderPrometheus(PortPlan ports, TimeSpan? interval = null, string? ruleDirectory = null)
    {
        var source = Path.Combine(Monitoring, "prometheus", "prometheus.yml");
        var root = Yaml.Load(source);
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

        foreach (var alerting in root.Map("alerting")?.Seq("alertmanagers")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            SetTargets(alerting, $"127.0.0.1:{ports[ServiceNames.Alertmanager]}");
        }

        var jobs = root.Seq("scrape_configs") ?? throw new ConfigException(source, "scrape_configs is missing");
        foreach (var job in jobs.Children.OfType<YamlMappingNode>())
        {
            var name = job.Text("job_name") ?? throw new ConfigException(source, "a scrape config has no job_name");
            if (!JobServices.TryGetValue(name, out var service))
            {
                throw new ConfigException(source, $"job '{name}' is not one of SPEC §3's jobs ({string.Join(", ", JobServices.Keys)})");
            }

            SetTargets(job, $"127.0.0.1:{ports[service]}");
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

        Yaml.Save(root, PrometheusConfig);
    }

    /// <summary>
    /// Writes alertmanager.yml. With every receiver variable set (environment or <c>.env.production</c>) the real
    /// receivers are rendered by monitoring/alertmanager/render-config.sh; with none, every receiver delivers to the
    /// local inbox at <c>inboxUrl/&lt;receiver&gt;</c>. Returns which mode it rendered.
    /// </summary>
    public async Task<string> RenderAlertmanagerAsync(string inboxUrl, CancellationToken cancellationToken, StackProfile? profile = null)
    {
        var source = Path.Combine(Monitoring, "alertmanager", "alertmanager.yml");
        var environment = profile?.Receivers is { } explicitReceivers
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
        if (root.Seq("templates") is { } templates)
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
                foreach (var key in receiver.Children.Keys.OfType<YamlScalarNode>().Where(k => k.Value != "name").ToList())
                {
                    receiver.Children.Remove(key);
                }

                receiver.Set("webhook_configs", new YamlSequenceNode(new YamlMappingNode(
                    new YamlScalarNode("url"), new YamlScalarNode($"{inboxUrl}/{name}"),
                    new YamlScalarNode("send_resolved"), new YamlScalarNode("true"))));
            }
        }

        else
        {
            ApplyReceiverOverrides(root, profile);
        }

        profile?.Compression?.ScaleAlertmanager(root);
        Yaml.Save(root, AlertmanagerConfig);
        return mode;
    }

    /// <summary>Profile overrides for real receivers: the PagerDuty endpoint and the CA that SMTP STARTTLS trusts.</summary>
    private static void ApplyReceiverOverrides(YamlMappingNode root, StackProfile? profile)
    {
        foreach (var receiver in root.Seq("receivers")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            if (profile?.PagerDutyUrl is { } pagerDuty)
            {
                foreach (var config in receiver.Seq("pagerduty_configs")?.Children.OfType<YamlMappingNode>() ?? [])
                {
                    config.Set("url", pagerDuty);
                }
            }

            if (profile?.SmtpCaFile is { } caFile)
            {
                foreach (var config in receiver.Seq("email_configs")?.Children.OfType<YamlMappingNode>() ?? [])
                {
                    config.Set("tls_config", new YamlMappingNode(new YamlScalarNode("ca_file"), new YamlScalarNode(caFile)));
                }
            }
        }
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

        foreach (var name in ReceiverVariables)
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

    private static void SetTargets(YamlMappingNode config, string target)
    {
        foreach (var staticConfig in config.Seq("static_configs")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            staticConfig.Set("targets", Yaml.Strings([target]));
        }
    }
}
