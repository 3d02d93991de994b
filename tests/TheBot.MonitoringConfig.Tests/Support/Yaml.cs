using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>YAML loading: typed (rule files, promtool tests) and untyped (everything else; navigate with YamlMap.At/AsList/AsMap of the checks).</summary>
public static class Yaml
{
    private static readonly IDeserializer Typed = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    /// <summary>Deserializes <paramref name="path"/> into <typeparamref name="T"/>.</summary>
    public static T Load<T>(string path) => Typed.Deserialize<T>(File.ReadAllText(path));

    /// <summary>Deserializes <paramref name="path"/> into nested dictionaries and lists.</summary>
    public static Dictionary<object, object> LoadMap(string path) => YamlMap.Load(path);
}

/// <summary>A Prometheus rule file.</summary>
public sealed class RuleFile
{
    /// <summary>Rule groups.</summary>
    public List<RuleGroup> Groups { get; set; } = [];

    /// <summary>Every rule of every group.</summary>
    public IEnumerable<Rule> Rules => Groups.SelectMany(g => g.Rules);

    /// <summary>monitoring/prometheus/alert_rules.yml.</summary>
    public static RuleFile Alerts => Yaml.Load<RuleFile>(Repo.Monitoring("prometheus", "alert_rules.yml"));

    /// <summary>monitoring/prometheus/recording_rules.yml.</summary>
    public static RuleFile Recordings => Yaml.Load<RuleFile>(Repo.Monitoring("prometheus", "recording_rules.yml"));
}

/// <summary>A rule group.</summary>
public sealed class RuleGroup
{
    /// <summary>Group name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Rules.</summary>
    public List<Rule> Rules { get; set; } = [];
}

/// <summary>An alerting or recording rule.</summary>
public sealed class Rule
{
    /// <summary>Alert name (alerting rules).</summary>
    public string? Alert { get; set; }

    /// <summary>Recorded series name (recording rules).</summary>
    public string? Record { get; set; }

    /// <summary>PromQL expression.</summary>
    public string Expr { get; set; } = "";

    /// <summary>Pending duration.</summary>
    public string? For { get; set; }

    /// <summary>Labels added.</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Annotations.</summary>
    public Dictionary<string, string> Annotations { get; set; } = [];

    /// <inheritdoc />
    public override string ToString() => Alert ?? Record ?? Expr;
}

/// <summary>A promtool unit-test file (only what the coverage check reads).</summary>
public sealed class PromtoolTestFile
{
    /// <summary>Rule files under test.</summary>
    public List<string> RuleFiles { get; set; } = [];

    /// <summary>Test groups.</summary>
    public List<PromtoolTestGroup> Tests { get; set; } = [];
}

/// <summary>A promtool test group.</summary>
public sealed class PromtoolTestGroup
{
    /// <summary>Name.</summary>
    public string? Name { get; set; }

    /// <summary>Alert checks.</summary>
    public List<PromtoolAlertTest> AlertRuleTest { get; set; } = [];

    /// <summary>Expression checks.</summary>
    public List<PromtoolExprTest> PromqlExprTest { get; set; } = [];
}

/// <summary>An alert_rule_test entry.</summary>
public sealed class PromtoolAlertTest
{
    /// <summary>Alert checked.</summary>
    public string Alertname { get; set; } = "";

    /// <summary>When.</summary>
    public string EvalTime { get; set; } = "";

    /// <summary>Expected firing alerts (empty: must not fire).</summary>
    public List<object> ExpAlerts { get; set; } = [];
}

/// <summary>A promql_expr_test entry.</summary>
public sealed class PromtoolExprTest
{
    /// <summary>Expression evaluated.</summary>
    public string Expr { get; set; } = "";

    /// <summary>Expected samples.</summary>
    public List<object> ExpSamples { get; set; } = [];
}
