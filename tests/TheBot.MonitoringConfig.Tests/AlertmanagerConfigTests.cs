using TheBot.MonitoringConfig.Tests.Support;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>monitoring/alertmanager: amtool check-config, routing per severity x component, secret rendering, templates.</summary>
public class AlertmanagerConfigTests
{
    /// <summary>Every severity x component, the Watchdog and the fall-through cases with the receiver each must reach.</summary>
    public static TheoryData<string, string> RoutingCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var component in Repo.Components)
        {
            data.Add($"alertname=SomeAlert severity=critical component={component}", "critical-team");
            data.Add($"alertname=SomeAlert severity=warning component={component}", "ops-team");
            data.Add($"alertname=SomeAlert severity=info component={component}", "default-receiver");
        }

        data.Add("alertname=Watchdog severity=none component=monitoring", "deadmans-switch");
        data.Add("alertname=Watchdog severity=critical component=monitoring", "deadmans-switch");
        data.Add("alertname=SomeAlert component=backend", "default-receiver");
        data.Add("alertname=SomeAlert severity=none component=monitoring", "default-receiver");
        // The inhibition source reaches nobody, by name: with a mistaken severity it still does.
        data.Add("alertname=DatabaseOutageRecent severity=none component=database", "silent");
        data.Add("alertname=DatabaseOutageRecent severity=critical component=database", "silent");
        return data;
    }

    [Fact]
    public async Task Amtool_check_config_accepts_the_committed_file()
    {
        var result = await Tools.RunOkAsync("amtool", ["check-config", AlertmanagerConfig.CommittedPath]);
        Assert.Contains("SUCCESS", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rendered_config_with_templates_passes_amtool_and_keeps_no_placeholder()
    {
        using var dir = new CheckTempDir();
        var rendered = await AlertmanagerConfig.RenderAsync(dir);
        var result = await Tools.RunOkAsync("amtool", ["check-config", rendered]);
        Assert.Contains("1 templates", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("SUCCESS", result.StandardOutput, StringComparison.Ordinal);

        var lines = (await File.ReadAllLinesAsync(rendered)).Where(l => !l.TrimStart().StartsWith('#')).ToList();
        Assert.DoesNotContain(lines, l => l.Contains("${", StringComparison.Ordinal) || l.Contains("unset.invalid", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("url: 'http://127.0.0.1:9/default?a=1&b=2'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("smtp_smarthost: '127.0.0.1:9'", StringComparison.Ordinal));
        Assert.Equal("dummy|password&with\\specials", await File.ReadAllTextAsync(dir.File("secrets/smtp-password")));
        Assert.Equal("http://127.0.0.1:9/slack", await File.ReadAllTextAsync(dir.File("secrets/slack-webhook-url")));
        // No SLACK_OPS_WEBHOOK_URL: #thebot-ops posts through the same webhook.
        Assert.Equal("http://127.0.0.1:9/slack", await File.ReadAllTextAsync(dir.File("secrets/slack-ops-webhook-url")));
        Assert.Equal("dummy-pagerduty-key", await File.ReadAllTextAsync(dir.File("secrets/pagerduty-key")));
    }

    /// <summary>
    /// A Slack app's incoming webhook posts only to the channel it was created for (it ignores <c>channel:</c>), so the
    /// two channels have two webhooks: critical-team posts through SLACK_WEBHOOK_URL's, ops-team through
    /// SLACK_OPS_WEBHOOK_URL's. (The detection suites' Slack sink records the webhook's channel, as Slack shows it.)
    /// </summary>
    [Fact]
    public async Task Each_Slack_channel_posts_through_its_own_webhook()
    {
        using var dir = new CheckTempDir();
        var rendered = YamlMap.Load(await AlertmanagerConfig.RenderAsync(dir, new Dictionary<string, string>(AlertmanagerConfig.DummySecrets)
        {
            ["SLACK_OPS_WEBHOOK_URL"] = "http://127.0.0.1:9/slack-ops",
        }));
        var slack = rendered.At("receivers").AsList().ToDictionary(r => (string)r.At("name")!, r => r.At("slack_configs", 0));
        Assert.Equal("#thebot-critical", slack["critical-team"].At("channel"));
        Assert.Equal("#thebot-ops", slack["ops-team"].At("channel"));
        Assert.Equal("http://127.0.0.1:9/slack", await File.ReadAllTextAsync((string)slack["critical-team"].At("api_url_file")!));
        Assert.Equal("http://127.0.0.1:9/slack-ops", await File.ReadAllTextAsync((string)slack["ops-team"].At("api_url_file")!));
    }

    [Fact]
    public async Task Render_refuses_when_a_secret_is_missing_and_names_it()
    {
        using var dir = new CheckTempDir();
        var env = AlertmanagerConfig.DummySecrets.Where(kv => kv.Key != "PAGERDUTY_SERVICE_KEY").ToDictionary();
        env["PAGERDUTY_SERVICE_KEY"] = "";
        var result = await Tools.RunAsync("sh", [Repo.Monitoring("alertmanager", "render-config.sh"), AlertmanagerConfig.CommittedPath, dir.File("out.yml"), dir.File("s")], env);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("PAGERDUTY_SERVICE_KEY", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("out.yml")));
    }

    [Fact]
    public async Task Every_secret_variable_is_listed_in_env_example()
    {
        var example = await File.ReadAllTextAsync(Repo.File(".env.example"));
        foreach (var name in AlertmanagerConfig.DummySecrets.Keys.Where(k => k != "PATH").Append("GRAFANA_ADMIN_PASSWORD").Append("THEBOT_SCRAPE_TOKEN").Append("SLACK_OPS_WEBHOOK_URL"))
        {
            Assert.Contains($"\n{name}=\n", example, StringComparison.Ordinal);
        }

        var gitignore = await File.ReadAllTextAsync(Repo.File(".gitignore"));
        Assert.Contains(".env.production", gitignore, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RoutingCases))]
    public async Task Route_reaches_exactly_the_expected_receiver(string labels, string receiver)
    {
        var receivers = await AlertmanagerRoutes.ReceiversAsync(AlertmanagerConfig.CommittedPath, labels.Split(' ').Select(l => l.Split('=', 2)).ToDictionary(l => l[0], l => l[1]));
        Assert.Equal([receiver], receivers);
    }

    [Fact]
    public void Route_tree_is_as_specified()
    {
        var config = YamlMap.Load(AlertmanagerConfig.CommittedPath);
        Assert.Equal("default-receiver", config.At("route", "receiver"));
        Assert.Equal(["alertname", "component", "cluster"], config.At("route", "group_by").AsList().Cast<string>());
        var routes = config.At("route", "routes").AsList();
        Assert.Equal("deadmans-switch", routes.At(0, "receiver"));
        Assert.Equal("silent", routes.At(1, "receiver"));
        Assert.Equal("critical-team", routes.At(2, "receiver"));
        Assert.Equal("ops-team", routes.At(3, "receiver"));
        foreach (var key in new[] { "group_wait", "group_interval", "repeat_interval" })
        {
            Assert.NotNull(config.At("route", key));
        }

        var receivers = config.At("receivers").AsList().Select(r => r.AsMap()).ToDictionary(r => (string)r["name"]);
        Assert.Equal(["critical-team", "deadmans-switch", "default-receiver", "ops-team", "silent"], receivers.Keys.Order());
        Assert.Equal(["name"], receivers["silent"].Keys.Cast<string>());
        Assert.Equal(["email_configs", "pagerduty_configs", "slack_configs"], receivers["critical-team"].Keys.Cast<string>().Where(k => k != "name").Order());
        Assert.Equal(["email_configs", "slack_configs"], receivers["ops-team"].Keys.Cast<string>().Where(k => k != "name").Order());
        Assert.Equal(["webhook_configs"], receivers["default-receiver"].Keys.Cast<string>().Where(k => k != "name"));
        Assert.Equal(["webhook_configs"], receivers["deadmans-switch"].Keys.Cast<string>().Where(k => k != "name"));
    }

    [Theory]
    [InlineData("thebot.slack.text", "text")]
    [InlineData("thebot.email.html", "html")]
    [InlineData("thebot.pagerduty.details", "text")]
    public async Task Notification_carries_each_alert_with_runbook_prometheus_and_grafana_links(string template, string type)
    {
        var text = await RenderNotificationAsync($"{{{{ template \"{template}\" . }}}}", type);
        foreach (var alert in NotifiedAlerts)
        {
            Assert.Contains(alert.Summary, text, StringComparison.Ordinal);
            Assert.Contains(alert.GeneratorUrl, text, StringComparison.Ordinal);
        }

        Assert.Contains(NotifiedAlertName, text, StringComparison.Ordinal);
        Assert.Contains(NotifiedRule.Labels["severity"], text, StringComparison.Ordinal);
        Assert.Contains(NotifiedRule.Annotations["runbook_url"], text, StringComparison.Ordinal);
        Assert.Contains(GrafanaRootUrl + "/d/thebot-overview/thebot-overview", text, StringComparison.Ordinal);
        Assert.DoesNotContain("localhost", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PagerDuty_description_has_the_first_summary_when_summaries_differ()
    {
        var text = await RenderNotificationAsync("{{ template \"thebot.pagerduty.description\" . }}", "text");
        Assert.Equal($"[CRITICAL] {NotifiedAlertName} (database) in {Cluster}: {NotifiedAlerts[0].Summary}", text.Trim());
    }

    [Theory]
    [InlineData("thebot.slack.text", "text")]
    [InlineData("thebot.email.html", "html")]
    public async Task A_partly_resolved_group_shows_which_alert_resolved_and_when(string template, string type)
    {
        // The first alert by label order resolved, the second still fires: it must not read as two outages.
        var text = await RenderNotificationAsync($"{{{{ template \"{template}\" . }}}}", type, resolved: 0);
        var firingAt = text.IndexOf(NotifiedAlerts[1].Summary, StringComparison.Ordinal);
        var resolvedAt = text.IndexOf(NotifiedAlerts[0].Summary, StringComparison.Ordinal);
        Assert.True(firingAt >= 0 && resolvedAt > firingAt, "the firing alert comes first, the resolved one after it");
        Assert.Contains("resolved", text[resolvedAt..], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("2026-12-05 10:20:30 UTC", text, StringComparison.Ordinal);
        // The resolved alert's description (what was broken) is not repeated as if it still held.
        var description = NotifiedRule.Annotations["description"].Replace("{{ $labels.instance }}", NotifiedAlerts[0].Instance, StringComparison.Ordinal);
        Assert.DoesNotContain(System.Net.WebUtility.HtmlEncode(description), text, StringComparison.Ordinal);
        Assert.DoesNotContain(description, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PagerDuty_names_a_firing_alert_and_keeps_resolved_ones_apart_in_a_partly_resolved_group()
    {
        Assert.Equal($"[CRITICAL] {NotifiedAlertName} (database) in {Cluster}: {NotifiedAlerts[1].Summary}",
            (await RenderNotificationAsync("{{ template \"thebot.pagerduty.description\" . }}", "text", resolved: 0)).Trim());
        var firing = await RenderNotificationAsync("{{ template \"thebot.pagerduty.details\" . }}", "text", resolved: 0);
        Assert.Contains(NotifiedAlerts[1].Summary, firing, StringComparison.Ordinal);
        Assert.DoesNotContain(NotifiedAlerts[0].Summary, firing, StringComparison.Ordinal);
        var resolvedDetails = await RenderNotificationAsync("{{ template \"thebot.pagerduty.resolved\" . }}", "text", resolved: 0);
        Assert.Contains($"resolved at 2026-12-05 10:20:30 UTC: {NotifiedAlerts[0].Summary}", resolvedDetails, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PagerDuty_links_are_the_runbook_and_grafana()
    {
        var links = YamlMap.Load(AlertmanagerConfig.CommittedPath).At("receivers").AsList()
            .Single(r => r.At("name") as string == "critical-team").At("pagerduty_configs", 0, "links").AsList();
        var rendered = new Dictionary<string, string>();
        foreach (var link in links)
        {
            rendered[(string)link.At("text")!] = (await RenderNotificationAsync((string)link.At("href")!, "text")).Trim();
        }

        Assert.Equal(NotifiedRule.Annotations["runbook_url"], rendered["Runbook"]);
        Assert.Equal(GrafanaRootUrl + "/d/thebot-overview/thebot-overview", rendered["Grafana"]);
    }

    [Theory]
    [InlineData("thebot.slack.title", "[FIRING:2] PostgreSQLDown (critical, database) in thebot-main")]
    [InlineData("thebot.email.subject", "[THE_BOT FIRING] PostgreSQLDown — critical / database in thebot-main")]
    [InlineData("thebot.pagerduty.description", "[CRITICAL] PostgreSQLDown (database) in thebot-main: PostgreSQL on postgres:5432 is unreachable")]
    public async Task Headline_names_the_alert_severity_component_and_cluster(string template, string expected)
    {
        Assert.Equal("thebot-main", Cluster);
        Assert.Equal(expected, (await RenderNotificationAsync($"{{{{ template \"{template}\" . }}}}", "text")).Trim());
    }

    /// <summary>An alert without the external label (amtool, test-alert) gets the headline without a place.</summary>
    [Theory]
    [InlineData("thebot.slack.title", "[FIRING:2] PostgreSQLDown (critical, database)")]
    [InlineData("thebot.email.subject", "[THE_BOT FIRING] PostgreSQLDown — critical / database")]
    public async Task Headline_without_a_cluster_label_names_none(string template, string expected) =>
        Assert.Equal(expected, (await RenderNotificationAsync($"{{{{ template \"{template}\" . }}}}", "text", cluster: null)).Trim());

    /// <summary>
    /// PagerDuty's own where and what fields: source is the instance when the group has one, else the cluster; group
    /// the cluster; component and class the alert's.
    /// </summary>
    [Theory]
    [InlineData(2, "thebot-main")]
    [InlineData(1, "postgres:5432")]
    public async Task PagerDuty_source_group_component_and_class_say_where_and_what(int instances, string source)
    {
        var config = YamlMap.Load(AlertmanagerConfig.CommittedPath).At("receivers").AsList()
            .Single(r => r.At("name") as string == "critical-team").At("pagerduty_configs", 0);
        var rendered = new Dictionary<string, string>();
        foreach (var field in (string[])["source", "group", "component", "class"])
        {
            rendered[field] = (await RenderNotificationAsync((string)config.At(field)!, "text", instances: instances)).Trim();
        }

        Assert.Equal(source, rendered["source"]);
        Assert.Equal(Cluster, rendered["group"]);
        Assert.Equal("database", rendered["component"]);
        Assert.Equal(NotifiedAlertName, rendered["class"]);
    }

    [Fact]
    public async Task Grafana_links_default_to_the_local_grafana_without_GRAFANA_ROOT_URL()
    {
        using var dir = new CheckTempDir();
        await AlertmanagerConfig.RenderAsync(dir);
        var result = await Tools.RunOkAsync("amtool", [
            "template", "render", $"--template.glob={dir.File("templates")}/*.tmpl", "--template.text={{ template \"thebot.grafana.url\" . }}",
        ]);
        Assert.Equal("http://localhost:3000/d/thebot-overview/thebot-overview", result.StandardOutput.Trim());
    }

    private const string GrafanaRootUrl = "https://grafana.thebot.example/ops";

    private const string NotifiedAlertName = "PostgreSQLDown";

    /// <summary>Stands for "the cluster of prometheus.yml" in <see cref="RenderNotificationAsync"/>'s default.</summary>
    private const string ClusterOfPrometheus = "\0prometheus.yml";

    /// <summary>The external label <c>cluster</c> every alert of the committed prometheus.yml carries.</summary>
    private static string Cluster => (string)YamlMap.Load(Repo.Monitoring("prometheus", "prometheus.yml")).At("global", "external_labels", "cluster")!;

    private static Rule NotifiedRule => RuleFile.Alerts.Rules.Single(r => r.Alert == NotifiedAlertName);

    /// <summary>Two instances of one alert in one group, so the summaries differ and CommonAnnotations has no summary.</summary>
    private static (string Instance, string Summary, string GeneratorUrl)[] NotifiedAlerts =>
    [.. new[] { "postgres:5432", "postgres-replica:5432" }.Select(instance => (
        instance,
        NotifiedRule.Annotations["summary"].Replace("{{ $labels.instance }}", instance, StringComparison.Ordinal),
        $"https://prometheus.thebot.example/graph?g0.expr=pg_up%7Binstance%3D%22{Uri.EscapeDataString(instance)}%22%7D"))];

    /// <summary>
    /// Renders the template text <paramref name="templateText"/> with the templates render-config.sh produced (GRAFANA_ROOT_URL set) for a
    /// group of two firing PostgreSQLDown alerts shaped as Alertmanager hands them to templates (labels and
    /// annotations from alert_rules.yml, annotations expanded as Prometheus does).
    /// </summary>
    private static async Task<string> RenderNotificationAsync(string templateText, string type, int? resolved = null, string? cluster = ClusterOfPrometheus, int instances = 2)
    {
        using var dir = new CheckTempDir();
        await AlertmanagerConfig.RenderAsync(dir, new Dictionary<string, string>(AlertmanagerConfig.DummySecrets) { ["GRAFANA_ROOT_URL"] = GrafanaRootUrl + "/" });
        var rule = NotifiedRule;
        var commonLabels = new Dictionary<string, string>(rule.Labels) { ["alertname"] = NotifiedAlertName, ["job"] = "postgres" };
        if (cluster is not null)
        {
            commonLabels["cluster"] = cluster == ClusterOfPrometheus ? Cluster : cluster;
        }

        var alerts = NotifiedAlerts.Take(instances).ToList();
        if (alerts.Count == 1)
        {
            commonLabels["instance"] = alerts[0].Instance;
        }

        var data = new
        {
            receiver = "critical-team",
            status = "firing",
            alerts = alerts.Select((a, i) => new
            {
                status = i == resolved ? "resolved" : "firing",
                labels = new Dictionary<string, string>(commonLabels) { ["instance"] = a.Instance },
                annotations = new Dictionary<string, string>
                {
                    ["summary"] = a.Summary,
                    ["description"] = rule.Annotations["description"].Replace("{{ $labels.instance }}", a.Instance, StringComparison.Ordinal),
                    ["runbook_url"] = rule.Annotations["runbook_url"],
                },
                startsAt = DateTime.UtcNow.AddMinutes(-2),
                endsAt = i == resolved ? "2026-12-05T10:20:30Z" : "0001-01-01T00:00:00Z",
                generatorURL = a.GeneratorUrl,
                fingerprint = a.Instance,
            }),
            groupLabels = new Dictionary<string, string>(commonLabels.Where(l => l.Key is "alertname" or "component" or "cluster")),
            commonLabels,
            commonAnnotations = new Dictionary<string, string> { ["runbook_url"] = rule.Annotations["runbook_url"] },
            externalURL = "https://alertmanager.thebot.example",
        };
        var dataFile = dir.File("data.json");
        await File.WriteAllTextAsync(dataFile, System.Text.Json.JsonSerializer.Serialize(data));
        var result = await Tools.RunOkAsync("amtool", [
            "template", "render", $"--template.glob={dir.File("templates")}/*.tmpl", $"--template.type={type}", $"--template.data={dataFile}",
            $"--template.text={templateText}",
        ]);
        return result.StandardOutput;
    }
}
