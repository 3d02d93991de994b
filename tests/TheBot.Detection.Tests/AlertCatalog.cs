using TheBot.Cli.Checks;
using TheBot.Cli.Config;
using TheBot.Cli.Local;
using TheBot.Testing;
using YamlDotNet.RepresentationModel;

namespace TheBot.Detection.Tests;

/// <summary>
/// The production alerting configuration as the detection suites read it: alert rules and recording rules from the
/// files <c>monitoring/prometheus/prometheus.yml</c> lists, and each alert's route and receiver deliveries in
/// <c>monitoring/alertmanager/alertmanager.yml</c>. Durations here are the production ones; <see cref="DetectionTiming"/>
/// scales them.
/// </summary>
internal static class AlertCatalog
{
    /// <summary>The route an alert takes and the deliveries (integration kind, target) of its receiver.</summary>
    public sealed record Route(string Receiver, TimeSpan GroupWait, TimeSpan GroupInterval, TimeSpan RepeatInterval,
        IReadOnlyList<(string Kind, string Target)> Deliveries, bool SendResolved);

    private static readonly Lazy<Dictionary<string, YamlMappingNode>> Alerts = new(() => RulesOf("alert")
        .ToDictionary(r => r.Text("alert")!));

    private static readonly Lazy<Dictionary<string, IReadOnlyList<string>>> Recordings = new(() => RulesOf("record")
        .GroupBy(r => r.Text("record")!)
        .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(r => r.Text("expr") ?? string.Empty)]));

    /// <summary>Every production alerting rule by name.</summary>
    public static IReadOnlyDictionary<string, YamlMappingNode> ProductionAlerts => Alerts.Value;

    /// <summary>Every recording rule's expressions by recorded name (a name may be recorded by several rules, e.g. per SLO).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> RecordingRules => Recordings.Value;

    /// <summary>
    /// The external label <c>cluster</c> of the production prometheus.yml: every alert carries it, and each notification
    /// must name it (group_by keeps clusters apart; the headline says which one).
    /// </summary>
    public static string Cluster => Yaml.Load(Repository.PathOf("monitoring/prometheus/prometheus.yml")).Map("global")?.Map("external_labels")?.Text("cluster")
        ?? throw new InvalidOperationException("monitoring/prometheus/prometheus.yml has no global.external_labels.cluster");

    /// <summary>The <c>severity</c> label of an alert.</summary>
    public static string Severity(string alert) => Label(alert, "severity");

    /// <summary>A label of an alert's rule, empty when it has none.</summary>
    public static string Label(string alert, string label) =>
        Alerts.Value[alert].Get("labels") is YamlMappingNode labels ? labels.Text(label) ?? string.Empty : string.Empty;

    /// <summary>
    /// The route an alert takes in the production alertmanager.yml and its receiver's deliveries. The receiver is
    /// Alertmanager's own answer (<see cref="AlertmanagerRoutes"/>, amtool config routes test); the timers are those
    /// of the one route, at any depth, that names that receiver, inherited from its nearest ancestor that sets them.
    /// </summary>
    public static Route RouteFor(string alert) => RouteFor(alert, Repository.PathOf("monitoring/alertmanager/alertmanager.yml"));

    /// <summary>As <see cref="RouteFor(string)"/>, through the Alertmanager configuration <paramref name="file"/>.</summary>
    public static Route RouteFor(string alert, string file)
    {
        var rule = Alerts.Value[alert];
        var config = Yaml.Load(file);
        var top = config.Map("route")!;
        var labels = ((YamlMappingNode)rule.Get("labels")!).Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value!);
        labels["alertname"] = alert;
        var receivers = AlertmanagerRoutes.ReceiversAsync(file, labels).GetAwaiter().GetResult();
        if (receivers.Count != 1)
        {
            throw new InvalidOperationException($"{alert} reaches {receivers.Count} receivers ({string.Join(", ", receivers)}); the suites expect exactly one");
        }

        var receiverName = receivers[0];
        // Routes at any depth that name the receiver, each with its ancestors: a route's timers are its own, else
        // the nearest ancestor's (Alertmanager's inheritance), the top route's last.
        var named = RoutesWithAncestors(top, []).Where(r => r.Route.Text("receiver") == receiverName).ToList();
        var path = named.Count switch
        {
            0 when top.Text("receiver") == receiverName => [top],
            1 => named[0].Path,
            _ => throw new InvalidOperationException($"{named.Count} routes name receiver {receiverName}; which timers {alert} gets is ambiguous"),
        };

        TimeSpan Timer(string key) => PrometheusDuration.Parse(path.Select(r => r.Text(key)).LastOrDefault(v => v is not null)
            ?? throw new InvalidOperationException($"no route on the way to {receiverName} sets {key}"));
        var receiver = config.Seq("receivers")!.Children.OfType<YamlMappingNode>().Single(r => r.Text("name") == receiverName);
        var deliveries = new List<(string, string)>();
        var sendResolved = true;
        foreach (var slack in receiver.Seq("slack_configs")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            deliveries.Add(("slack", slack.Text("channel")!));
        }

        foreach (var _ in receiver.Seq("pagerduty_configs")?.Children ?? [])
        {
            deliveries.Add(("pagerduty", "routing-key"));
        }

        foreach (var email in receiver.Seq("email_configs")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            deliveries.Add(("email", email.Text("to")!));
        }

        foreach (var webhook in receiver.Seq("webhook_configs")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            deliveries.Add(("webhook", receiverName));
            sendResolved &= webhook.Text("send_resolved") == "true";
        }

        return new Route(receiverName, Timer("group_wait"), Timer("group_interval"), Timer("repeat_interval"), deliveries, sendResolved);
    }

    /// <summary>Every route under <paramref name="route"/> (not itself), each with the path from the top route down to it.</summary>
    internal static IEnumerable<(YamlMappingNode Route, IReadOnlyList<YamlMappingNode> Path)> RoutesWithAncestors(YamlMappingNode route, IReadOnlyList<YamlMappingNode> ancestors)
    {
        IReadOnlyList<YamlMappingNode> path = [.. ancestors, route];
        foreach (var child in route.Seq("routes")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            yield return (child, [.. path, child]);
            foreach (var nested in RoutesWithAncestors(child, path))
            {
                yield return nested;
            }
        }
    }

    /// <summary>Alertmanager's global <c>resolve_timeout</c> (production value).</summary>
    public static TimeSpan ResolveTimeout() =>
        PrometheusDuration.Parse(Yaml.Load(Repository.PathOf("monitoring/alertmanager/alertmanager.yml")).Map("global")?.Text("resolve_timeout") ?? "5m");

    private static IEnumerable<YamlMappingNode> RulesOf(string kind)
    {
        var prometheus = Repository.PathOf("monitoring/prometheus");
        var files = Yaml.Load(Path.Combine(prometheus, "prometheus.yml")).Seq("rule_files")!.Children.OfType<YamlScalarNode>().Select(f => f.Value!);
        return files.SelectMany(file => Yaml.Load(Path.Combine(prometheus, file)).Seq("groups")?.Children.OfType<YamlMappingNode>() ?? [])
            .SelectMany(g => g.Seq("rules")?.Children.OfType<YamlMappingNode>() ?? [])
            .Where(r => r.Text(kind) is not null);
    }
}
