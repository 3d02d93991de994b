namespace TheBot.MonitoringConfig.Tests.Support;

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
