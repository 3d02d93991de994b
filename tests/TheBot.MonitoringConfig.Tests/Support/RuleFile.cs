namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>A Prometheus rule file.</summary>
public sealed class RuleFile
{
    /// <summary>Rule groups.</summary>
    public List<RuleGroup> Groups { get; set; } = [];

    /// <summary>Every rule of every group.</summary>
    public IEnumerable<Rule> Rules => Groups.SelectMany(g => g.Rules);

    /// <summary>monitoring/prometheus/alert_rules.yml.</summary>
    public static RuleFile Alerts => YamlMap.Load<RuleFile>(Repo.Monitoring("prometheus", "alert_rules.yml"));

    /// <summary>monitoring/prometheus/recording_rules.yml.</summary>
    public static RuleFile Recordings => YamlMap.Load<RuleFile>(Repo.Monitoring("prometheus", "recording_rules.yml"));
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
