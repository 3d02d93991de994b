using TheBot.Cli.Checks;
using TheBot.Testing;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>The one Grafana-variable policy: built-in variables, "All" on query variables, textboxes, formats, equality matchers.</summary>
public sealed class GrafanaVariablesTests
{
    [Theory]
    [InlineData("rate(x{job=~\"$job\"}[$__rate_interval])", "rate(x{job=~\".*\"}[5m])")]
    [InlineData("sum_over_time(x[$__interval]) + increase(y[$__range]) + z[$__auto]", "sum_over_time(x[1m]) + increase(y[1h]) + z[1m]")]
    [InlineData("x{instance=~\"${instance}\", job=~\"${job:regex}\"}", "x{instance=~\".*\", job=~\".*\"}")]
    [InlineData("x{job=\"$job\", instance != \"${instance}\"}", "x{job=~\".*\", instance !~ \".*\"}")]
    [InlineData("x{job=\"api\"} == 1", "x{job=\"api\"} == 1")]
    public void Substitutes_promql(string query, string expected) =>
        Assert.Equal(expected, GrafanaVariables.PromQl.Substitute(query));

    [Theory]
    [InlineData("{job=~\"$job\", level=~\"$level\"} |= \"$search\" | json", "{job=~\".+\", level=~\".+\"} |= \"\" | json")]
    [InlineData("sum(count_over_time({job=\"$job\"}[$__interval]))", "sum(count_over_time({job=~\".+\"}[1m]))")]
    [InlineData("{job=~\".+\"} | message=\"$search\"", "{job=~\".+\"} | message=\"\"")]
    [InlineData("rate({job=~\"$job\"}[$__rate_interval])", "rate({job=~\".+\"}[5m])")]
    public void Substitutes_logql(string query, string expected) =>
        Assert.Equal(expected, GrafanaVariables.LogQl.Substitute(query));

    [Fact]
    public void Durations_are_parameters_the_rules_are_not()
    {
        var soak = GrafanaVariables.PromQl with { Interval = "15s", RateInterval = "1m", Range = "5m" };
        Assert.Equal("rate(x{job=~\".*\"}[1m]) / y[15s] + z[5m]", soak.Substitute("rate(x{job=\"$job\"}[$__rate_interval]) / y[$__interval] + z[$__range]"));
    }

    [Fact]
    public void Leaves_no_variable_in_a_committed_dashboard_query()
    {
        var targets = DashboardModel.Targets(Repository.PathOf("monitoring/grafana/dashboards")).Where(t => t.Expr.Length > 0).ToList();
        Assert.NotEmpty(targets);
        Assert.Contains(targets, t => t.Expr.Contains('$', StringComparison.Ordinal));
        var left = targets.SelectMany(t => new[] { GrafanaVariables.PromQl.Substitute(t.Expr), GrafanaVariables.LogQl.Substitute(t.Expr) })
            .Where(e => e.Contains('$', StringComparison.Ordinal)).ToList();
        Assert.True(left.Count == 0, "variables left: " + string.Join("\n", left));
    }
}
