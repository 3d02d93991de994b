using TheBot.Cli.Config;
using TheBot.Cli.Local;
using TheBot.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace TheBot.Detection.Tests;

/// <summary>The time-compression transform: the production rules with only `for:` (and listed thresholds) changed.</summary>
public sealed class TransformTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("thebot-transform-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("0s", 0)]
    public void Parses_prometheus_durations(string text, long milliseconds) =>
        Assert.Equal(milliseconds, (long)PrometheusDuration.Parse(text).TotalMilliseconds);

    [Fact]
    public void Scales_every_for_and_nothing_else()
    {
        var compression = new TimeCompression(15);
        var changes = compression.WriteRules(Repository.PathOf("monitoring"), _dir);
        var original = Rules(Repository.PathOf("monitoring/prometheus/alert_rules.yml"));
        var scaled = Rules(Path.Combine(_dir, "alert_rules.yml"));
        Assert.Equal(original.Keys.Order(), scaled.Keys.Order());
        foreach (var (name, rule) in original)
        {
            var copy = scaled[name];
            Assert.Equal(rule.Text("expr"), copy.Text("expr"));
            Assert.Equal(rule.Get("labels")!.ToString(), copy.Get("labels")!.ToString());
            Assert.Equal(rule.Get("annotations")!.ToString(), copy.Get("annotations")!.ToString());
            if (rule.Text("for") is { } f)
            {
                var expected = PrometheusDuration.Parse(f) / 15;
                if (rule.Text("expr")!.Contains("absent(", StringComparison.Ordinal) && expected < TimeCompression.AbsentMinimumFor)
                {
                    expected = TimeCompression.AbsentMinimumFor;
                }

                Assert.Equal(expected, PrometheusDuration.Parse(copy.Text("for")!));
            }
        }

        Assert.Equal(File.ReadAllText(Repository.PathOf("monitoring/prometheus/recording_rules.yml")).Contains("record:", StringComparison.Ordinal),
            File.Exists(Path.Combine(_dir, "recording_rules.yml")));
        Assert.Contains(changes, c => c.Alert == "FrontendServiceDown" && c.ScaledFor == "4000ms");
        // absent() is true until Prometheus' first scrape, which is not scaled: the `for` keeps 15 s.
        Assert.Contains(changes, c => c.Alert == "BackendServiceDown" && c.ScaledFor == "15000ms");
        Assert.Contains(changes, c => c.Alert == "JobMissing" && c.ScaledFor == "40000ms");
    }

    [Fact]
    public void Lowers_only_the_named_thresholds()
    {
        new TimeCompression(15, new Dictionary<string, double> { ["HighCPUUsage"] = 30 }).WriteRules(Repository.PathOf("monitoring"), _dir);
        var scaled = Rules(Path.Combine(_dir, "alert_rules.yml"));
        Assert.Equal("instance:node_cpu_usage:percent > 30", scaled["HighCPUUsage"].Text("expr"));
        Assert.Equal("instance:node_memory_usage:percent > 80", scaled["HighMemoryUsage"].Text("expr"));
    }

    [Fact]
    public void Refuses_an_override_for_an_unknown_alert() =>
        Assert.Throws<ConfigException>(() => new TimeCompression(15, new Dictionary<string, double> { ["NoSuchAlert"] = 1 }).WriteRules(Repository.PathOf("monitoring"), _dir));

    [Fact]
    public void Scales_alertmanager_timers_on_every_route()
    {
        var root = Yaml.Load(Repository.PathOf("monitoring/alertmanager/alertmanager.yml"));
        new TimeCompression(15).ScaleAlertmanager(root);
        var route = root.Map("route")!;
        Assert.Equal("2000ms", route.Text("group_wait"));
        var critical = route.Seq("routes")!.Children.OfType<YamlMappingNode>().Single(r => r.Text("receiver") == "critical-team");
        Assert.Equal("20000ms", critical.Text("group_interval"));
    }

    private static Dictionary<string, YamlMappingNode> Rules(string file) =>
        Yaml.Load(file).Seq("groups")!.Children.OfType<YamlMappingNode>()
            .SelectMany(g => g.Seq("rules")!.Children.OfType<YamlMappingNode>())
            .Where(r => r.Text("alert") is not null)
            .ToDictionary(r => r.Text("alert")!);
}
