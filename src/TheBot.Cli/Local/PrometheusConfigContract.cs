using TheBot.Cli.Config;
using TheBot.Stack;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Local;

/// <summary>
/// What a committed Prometheus config (monitoring/prometheus/) must hold for <c>up</c> to render it: global and job
/// durations Prometheus parses, no scrape timeout longer than its interval, <c>scrape_configs</c> whose jobs are contract §3's (<see cref="ConfigRenderer.JobServices"/>) or
/// VictoriaMetrics', and in the HA topology's file every HA part the local render relies on. One place for both
/// <see cref="ConfigRenderer"/>, which refuses such a file, and <c>./thebot check</c>, which reports it: a file check
/// passes is a file up renders.
/// </summary>
internal static class PrometheusConfigContract
{
    /// <summary>The single-node config, the one compose's Prometheus and plain <c>up</c> load.</summary>
    public const string SingleNodeFile = "prometheus.yml";

    /// <summary>The HA topology's config, the one compose's replicas and <c>up --topology ha</c> load.</summary>
    public const string HighAvailabilityFile = "prometheus-ha.yml";

    /// <summary>The global settings that are durations; Prometheus refuses to start on one it cannot parse.</summary>
    public static readonly string[] GlobalDurations = ["scrape_interval", "evaluation_interval", "scrape_timeout"];

    /// <summary>Prometheus' own default <c>global.scrape_interval</c>, for a config that sets none.</summary>
    public static readonly TimeSpan DefaultScrapeInterval = TimeSpan.FromMinutes(1);

    /// <summary>The file of monitoring/prometheus/ a topology loads.</summary>
    public static string FileOf(StackTopology topology) => topology.HighAvailability ? HighAvailabilityFile : SingleNodeFile;

    /// <summary>
    /// Every way <paramref name="root"/> breaks the contract, each as <c>place: problem</c> (the place a YAML path);
    /// empty when it holds. <paramref name="highAvailability"/> adds the HA topology's parts.
    /// </summary>
    public static IReadOnlyList<string> Problems(YamlMappingNode root, bool highAvailability)
    {
        var problems = new List<string>();
        foreach (var key in GlobalDurations)
        {
            if (root.Map("global")?.Text(key) is { } text && DurationProblem(key, text) is { } problem)
            {
                problems.Add(problem);
            }
        }

        var jobs = root.Seq("scrape_configs");
        problems.AddRange(ScrapeTimeoutProblems(root, jobs));
        if (jobs is null)
        {
            problems.Add("scrape_configs is missing");
            return problems;
        }

        var index = 0;
        foreach (var job in jobs.Children)
        {
            var name = (job as YamlMappingNode)?.Text("job_name");
            if (name is null)
            {
                problems.Add($"scrape_configs[{index}] has no job_name");
            }
            else if (name != ConfigRenderer.VictoriaMetricsJob && !ConfigRenderer.JobServices.ContainsKey(name))
            {
                problems.Add($"job '{name}' is not one of the jobs of contract §3 ({string.Join(", ", ConfigRenderer.JobServices.Keys)})");
            }

            index++;
        }

        if (highAvailability)
        {
            problems.AddRange(HighAvailabilityProblems(root, jobs));
        }

        return problems;
    }

    /// <summary>Throws a <see cref="ConfigException"/> naming <paramref name="source"/> and every problem when <paramref name="root"/> breaks the contract.</summary>
    public static void Enforce(string source, YamlMappingNode root, bool highAvailability)
    {
        if (Problems(root, highAvailability) is { Count: > 0 } problems)
        {
            throw new ConfigException(source, string.Join("; ", problems));
        }
    }

    /// <summary>
    /// <c>global.scrape_interval</c> of <paramref name="file"/>'s <paramref name="root"/> (Prometheus' default when
    /// unset); a <see cref="ConfigException"/> naming the file and the key when it is not a duration.
    /// </summary>
    public static TimeSpan ScrapeInterval(string file, YamlMappingNode root)
    {
        const string key = "scrape_interval";
        var text = root.Map("global")?.Text(key);
        if (text is null)
        {
            return DefaultScrapeInterval;
        }

        return PrometheusDuration.TryParse(text, out var interval, out _) ? interval : throw new ConfigException(file, DurationProblem(key, text)!);
    }

    /// <summary>
    /// Scrape timeouts longer than the interval they belong to, which Prometheus refuses to load ("scrape timeout
    /// greater than scrape interval"): the global one when the file sets it, and each job's own against the job's
    /// interval (its own, else the global one). A job's duration that does not parse is named here too; a global one
    /// that does not parse was named above, and no timeout is compared with it.
    /// </summary>
    private static IEnumerable<string> ScrapeTimeoutProblems(YamlMappingNode root, YamlSequenceNode? jobs)
    {
        var global = root.Map("global");
        var globalIntervalText = global?.Text("scrape_interval");
        if (!TryDuration(globalIntervalText, DefaultScrapeInterval, out var globalInterval, out _))
        {
            yield break;
        }

        var globalIntervalShown = globalIntervalText ?? $"unset, Prometheus' default {(int)DefaultScrapeInterval.TotalSeconds}s";
        if (global?.Text("scrape_timeout") is { } globalTimeoutText && TryDuration(globalTimeoutText, TimeSpan.Zero, out var globalTimeout, out _)
            && globalTimeout > globalInterval)
        {
            yield return $"global.scrape_timeout ({globalTimeoutText}) is longer than global.scrape_interval ({globalIntervalShown}): Prometheus refuses to load the file";
        }

        foreach (var job in jobs?.Children.OfType<YamlMappingNode>() ?? [])
        {
            var place = job.Text("job_name") is { } name ? $"job '{name}'" : "a job without job_name";
            var intervalText = job.Text("scrape_interval");
            var timeoutText = job.Text("scrape_timeout");
            var intervalParses = TryDuration(intervalText, globalInterval, out var interval, out var intervalError);
            var timeoutParses = TryDuration(timeoutText, TimeSpan.Zero, out var timeout, out var timeoutError);
            if (!intervalParses)
            {
                yield return $"{place}: scrape_interval: {intervalError}";
            }

            if (!timeoutParses)
            {
                yield return $"{place}: scrape_timeout: {timeoutError}";
            }

            if (intervalParses && timeoutParses && timeoutText is not null && timeout > interval)
            {
                yield return $"{place}: scrape_timeout ({timeoutText}) is longer than its scrape_interval ({intervalText ?? $"{globalIntervalShown}, the global one"}): Prometheus refuses to load the file";
            }
        }
    }

    /// <summary><paramref name="text"/> as a Prometheus duration, <paramref name="unset"/> when it is null; false (and why) when it does not parse.</summary>
    private static bool TryDuration(string? text, TimeSpan unset, out TimeSpan duration, out string error)
    {
        error = string.Empty;
        if (text is null)
        {
            duration = unset;
            return true;
        }

        return PrometheusDuration.TryParse(text, out duration, out error);
    }

    /// <summary>The problem of the global duration <paramref name="key"/> set to <paramref name="text"/>; null when it parses.</summary>
    private static string? DurationProblem(string key, string text) =>
        PrometheusDuration.TryParse(text, out _, out var error) ? null : $"global.{key}: {error}";

    /// <summary>
    /// The HA parts (docs/adr/0008-ha-topology.md) the local render keeps from the committed file rather than adding:
    /// the external label <c>replica</c>, dropped from alerts and from remote_write, the backend discovered from a
    /// file_sd file <c>./thebot scale</c> rewrites, and job victoriametrics.
    /// </summary>
    private static IEnumerable<string> HighAvailabilityProblems(YamlMappingNode root, YamlSequenceNode jobs)
    {
        var labels = root.Map("global")?.Map("external_labels");
        if (root.Map("global") is null)
        {
            yield return "global is missing";
        }
        else if (labels is null)
        {
            yield return "global.external_labels is missing";
        }
        else if (labels.Get(ConfigRenderer.ReplicaLabel) is null)
        {
            yield return $"global.external_labels has no '{ConfigRenderer.ReplicaLabel}': the two replicas would be one";
        }

        if (!DropsReplica(root.Map("alerting")?.Seq("alert_relabel_configs")))
        {
            yield return $"alerting.alert_relabel_configs does not labeldrop '{ConfigRenderer.ReplicaLabel}': Alertmanager would get every alert twice";
        }

        var backend = Job(jobs, "thebot-backend");
        if (backend is null)
        {
            yield return "job thebot-backend is missing";
        }
        else if (BackendDiscovery(backend) is null)
        {
            yield return "job thebot-backend has no file_sd_configs: ./thebot scale could not add instances";
        }

        if (Job(jobs, ConfigRenderer.VictoriaMetricsJob) is null)
        {
            yield return $"job {ConfigRenderer.VictoriaMetricsJob} is missing";
        }

        var remote = RemoteWrite(root);
        if (remote is null)
        {
            yield return "remote_write to VictoriaMetrics is missing";
        }
        else if (!DropsReplica(remote.Seq("write_relabel_configs")))
        {
            yield return $"remote_write's write_relabel_configs does not labeldrop '{ConfigRenderer.ReplicaLabel}': VictoriaMetrics would keep both copies";
        }
    }

    /// <summary>The scrape config of job <paramref name="name"/>; null when there is none.</summary>
    public static YamlMappingNode? Job(YamlSequenceNode jobs, string name) =>
        jobs.Children.OfType<YamlMappingNode>().FirstOrDefault(j => j.Text("job_name") == name);

    /// <summary>The one file_sd config the backend job is discovered through in HA; null when it has not exactly one.</summary>
    public static YamlMappingNode? BackendDiscovery(YamlMappingNode backend) =>
        backend.Seq("file_sd_configs")?.Children.OfType<YamlMappingNode>() is { } discoveries && discoveries.Count() == 1 ? discoveries.Single() : null;

    /// <summary>The one remote_write target (VictoriaMetrics) of the HA config; null when it has not exactly one.</summary>
    public static YamlMappingNode? RemoteWrite(YamlMappingNode root) =>
        root.Seq("remote_write")?.Children.OfType<YamlMappingNode>() is { } targets && targets.Count() == 1 ? targets.Single() : null;

    private static bool DropsReplica(YamlSequenceNode? rules) => rules?.Children.OfType<YamlMappingNode>()
        .Any(r => r.Text("action") == "labeldrop" && r.Text("regex") == ConfigRenderer.ReplicaLabel) == true;
}
