using TheBot.Cli.Config;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace TheBot.Detection.Tests;

/// <summary>
/// What the detection profile changes through the stack's extension point, checked without starting anything: the
/// specs <c>up</c> would start and the alertmanager.yml it would write. The suites depend on each of these changes;
/// this is where a change that stops applying shows in seconds instead of in a 40-minute run.
/// </summary>
public sealed class CustomizationTests : IDisposable
{
    private const string PagerDutyUrl = "http://127.0.0.1:9/pagerduty/v2/enqueue";
    private const string CaFile = "/tmp/thebot-sink-ca.pem";

    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-customization-");

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    private static DetectionCustomization Customization() => new(
        new TimeCompression(15),
        new Dictionary<string, string>
        {
            ["SLACK_WEBHOOK_URL"] = "http://127.0.0.1:9/slack",
            ["PAGERDUTY_SERVICE_KEY"] = "0123456789abcdef0123456789abcdef",
            ["SMTP_HOST"] = "127.0.0.1",
            ["SMTP_PORT"] = "2525",
            ["SMTP_USER"] = "alertmanager@thebot.example",
            ["SMTP_PASSWORD"] = "not-a-real-password",
            ["ALERT_WEBHOOK_URL"] = "http://127.0.0.1:9/webhook/default",
            ["DEADMANS_SWITCH_URL"] = "http://127.0.0.1:9/webhook/deadmans-switch",
        },
        PagerDutyUrl, CaFile, TimeSpan.FromSeconds(1))
    {
        Environment = "Staging",
        ScrapeInterval = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public void Only_the_backend_and_prometheus_specs_change_and_the_product_keeps_the_fault_switch_off()
    {
        var location = new StackLocation(Repository.Root, _paths, new PortPlan());
        var topology = StackTopology.Ha(2);
        // The same environment and interval with and without the hooks: what differs is the hooks' doing alone.
        var plain = new StackCustomization { Environment = "Staging", ScrapeInterval = TimeSpan.FromSeconds(1) };
        var standard = new LocalStack(location, plain, topology) { FindBinary = _ => null }.Specs();
        var customized = new LocalStack(location, Customization(), topology) { FindBinary = _ => null }.Specs();

        Assert.Equal(standard.Select(s => s.Name), customized.Select(s => s.Name));
        foreach (var (before, after) in standard.Zip(customized))
        {
            if (topology.BackendNames.Contains(before.Name))
            {
                Assert.Equal("false", before.Environment["Faults__Enabled"]);
                Assert.Equal("true", after.Environment["Faults__Enabled"]);
                Assert.Equal("00:00:01", after.Environment[DetectionCustomization.ProbeIntervalVariable]);
                Assert.DoesNotContain(DetectionCustomization.ProbeIntervalVariable, before.Environment.Keys);
                Assert.Equal(before.Arguments, after.Arguments);
            }
            else if (before.Name.StartsWith(ServiceNames.Prometheus, StringComparison.Ordinal))
            {
                Assert.Equal([.. before.Arguments, "--rules.alert.resend-delay=4000ms"], after.Arguments);
                Assert.DoesNotContain(before.Arguments, a => a.StartsWith("--rules.alert.resend-delay", StringComparison.Ordinal));
            }
            else
            {
                Assert.Equal(before.Arguments, after.Arguments);
                Assert.Equal(before.Environment.OrderBy(p => p.Key), after.Environment.OrderBy(p => p.Key));
            }
        }

        Assert.Equal(2, customized.Count(s => s.Name.StartsWith(ServiceNames.Prometheus, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_real_receivers_point_at_the_sinks_and_alertmanager_waits_are_compressed()
    {
        Directory.CreateDirectory(_paths.Config);
        var renderer = new ConfigRenderer(Repository.Root, _paths);
        var mode = await renderer.RenderAlertmanagerAsync("http://127.0.0.1:9/inbox", CancellationToken.None, Customization());

        Assert.StartsWith("real receivers", mode, StringComparison.Ordinal);
        var root = Yaml.Load(renderer.AlertmanagerConfig);
        var receivers = root.Seq("receivers")!.Children.OfType<YamlMappingNode>().ToList();
        var pagerDuty = receivers.SelectMany(r => r.Seq("pagerduty_configs")?.Children.OfType<YamlMappingNode>() ?? []).ToList();
        var email = receivers.SelectMany(r => r.Seq("email_configs")?.Children.OfType<YamlMappingNode>() ?? []).ToList();
        Assert.NotEmpty(pagerDuty);
        Assert.NotEmpty(email);
        Assert.All(pagerDuty, config => Assert.Equal(PagerDutyUrl, config.Text("url")));
        Assert.All(email, config => Assert.Equal(CaFile, config.Map("tls_config")!.Text("ca_file")));
        Assert.Equal("2000ms", root.Map("route")!.Text("group_wait"));

        // The product's own render of the same receivers keeps PagerDuty's endpoint and the system's roots, and its
        // templates are render-config.sh's copies, with the deployment's Grafana in their links (not the repository's).
        var withGrafana = new Dictionary<string, string>(Customization().ReceiverVariables) { ["GRAFANA_ROOT_URL"] = "https://grafana.thebot.example/ops/" };
        var product = await renderer.RenderAlertmanagerAsync("http://127.0.0.1:9/inbox", CancellationToken.None, new StandardReceivers(withGrafana));
        Assert.StartsWith("real receivers", product, StringComparison.Ordinal);
        var plain = Yaml.Load(renderer.AlertmanagerConfig);
        Assert.DoesNotContain("127.0.0.1:9/pagerduty", File.ReadAllText(renderer.AlertmanagerConfig), StringComparison.Ordinal);
        Assert.DoesNotContain(CaFile, File.ReadAllText(renderer.AlertmanagerConfig), StringComparison.Ordinal);
        Assert.NotEqual("2000ms", plain.Map("route")!.Text("group_wait"));
        var glob = Assert.Single(plain.Seq("templates")!.Children.OfType<YamlScalarNode>()).Value!;
        Assert.StartsWith(Path.Combine(_paths.Config, "templates"), glob, StringComparison.Ordinal);
        Assert.Contains("{{ define \"thebot.grafana.base\" }}https://grafana.thebot.example/ops{{ end }}",
            File.ReadAllText(Path.Combine(_paths.Config, "templates", "thebot.tmpl")), StringComparison.Ordinal);
    }

    /// <summary>The same receiver variables and nothing else: what <c>up</c> renders from <c>.env.production</c>.</summary>
    private sealed class StandardReceivers(IReadOnlyDictionary<string, string> receivers) : StackCustomization
    {
        public override IReadOnlyDictionary<string, string> ReceiverVariables => receivers;
    }
}
