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
        Assert.Equal("dummy-pagerduty-key", await File.ReadAllTextAsync(dir.File("secrets/pagerduty-key")));
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
        foreach (var name in AlertmanagerConfig.DummySecrets.Keys.Where(k => k != "PATH").Append("GRAFANA_ADMIN_PASSWORD").Append("THEBOT_SCRAPE_TOKEN"))
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
        var result = await Tools.RunOkAsync("amtool", ["config", "routes", "test", $"--config.file={AlertmanagerConfig.CommittedPath}", .. labels.Split(' ')]);
        Assert.Equal(receiver, result.StandardOutput.Trim());
    }

    [Fact]
    public void Route_tree_is_as_specified()
    {
        var config = Yaml.LoadMap(AlertmanagerConfig.CommittedPath);
        Assert.Equal("default-receiver", config.At("route", "receiver"));
        Assert.Equal(["alertname", "component"], config.At("route", "group_by").AsList().Cast<string>());
        var routes = config.At("route", "routes").AsList();
        Assert.Equal("deadmans-switch", routes.At(0, "receiver"));
        Assert.Equal("critical-team", routes.At(1, "receiver"));
        Assert.Equal("ops-team", routes.At(2, "receiver"));
        foreach (var key in new[] { "group_wait", "group_interval", "repeat_interval" })
        {
            Assert.NotNull(config.At("route", key));
        }

        var receivers = config.At("receivers").AsList().Select(r => r.AsMap()).ToDictionary(r => (string)r["name"]);
        Assert.Equal(["critical-team", "deadmans-switch", "default-receiver", "ops-team"], receivers.Keys.Order());
        Assert.Equal(["email_configs", "pagerduty_configs", "slack_configs"], receivers["critical-team"].Keys.Cast<string>().Where(k => k != "name").Order());
        Assert.Equal(["email_configs", "slack_configs"], receivers["ops-team"].Keys.Cast<string>().Where(k => k != "name").Order());
        Assert.Equal(["webhook_configs"], receivers["default-receiver"].Keys.Cast<string>().Where(k => k != "name"));
        Assert.Equal(["webhook_configs"], receivers["deadmans-switch"].Keys.Cast<string>().Where(k => k != "name"));
    }

    [Theory]
    [InlineData("thebot.slack.text")]
    [InlineData("thebot.email.html")]
    [InlineData("thebot.pagerduty.details")]
    public async Task Template_renders_runbook_prometheus_and_grafana_links(string template)
    {
        var result = await Tools.RunOkAsync("amtool", [
            "template", "render", $"--template.glob={Repo.Monitoring("alertmanager", "templates")}/*.tmpl",
            $"--template.text={{{{ template \"{template}\" . }}}}",
        ]);
        var text = result.StandardOutput;
        Assert.Contains("https://generatorurl.com", text, StringComparison.Ordinal); // amtool's sample alert GeneratorURL -> Prometheus link
        Assert.Contains("/d/thebot-overview", text, StringComparison.Ordinal);
        Assert.Contains("runbook", text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("thebot.slack.title")]
    [InlineData("thebot.email.subject")]
    [InlineData("thebot.pagerduty.description")]
    public async Task Template_headline_renders(string template) =>
        await Tools.RunOkAsync("amtool", [
            "template", "render", $"--template.glob={Repo.Monitoring("alertmanager", "templates")}/*.tmpl",
            $"--template.text={{{{ template \"{template}\" . }}}}",
        ]);
}
