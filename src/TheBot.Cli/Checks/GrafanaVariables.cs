using System.Text.RegularExpressions;

namespace TheBot.Cli.Checks;

/// <summary>
/// The one policy for turning a dashboard query into a query a data source accepts outside Grafana: the values
/// Grafana would put in for its built-in variables and for the dashboards' own variables with "All" selected.
/// Used by <c>check</c> (promtool parsing, the LogQL grammar), the tests that run the dashboards' queries against a
/// live Prometheus, and the detection soak. The durations differ by where the query runs (a time-compressed stack
/// keeps less history), so they are parameters; the substitution rules are the same everywhere.
/// </summary>
/// <param name="Interval"><c>$__interval</c> and <c>$__auto</c>.</param>
/// <param name="RateInterval"><c>$__rate_interval</c>.</param>
/// <param name="Range"><c>$__range</c>.</param>
/// <param name="All">
/// A query variable with "All" selected: the dashboards' <c>allValue</c>, a regex. PromQL dashboards declare
/// <c>.*</c>; the logs dashboard declares <c>.+</c>, because Loki refuses a stream selector whose matchers all match "".
/// </param>
public sealed partial record GrafanaVariables(string Interval, string RateInterval, string Range, string All)
{
    /// <summary>Textbox (free text) variables with the value the dashboard opens with; every other variable is a query variable.</summary>
    public IReadOnlyDictionary<string, string> Text { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>For PromQL: the dashboards' <c>allValue</c> (<c>.*</c>) and Grafana's defaults for a one-hour view.</summary>
    public static GrafanaVariables PromQl { get; } = new("1m", "5m", "1h", ".*");

    /// <summary>For LogQL: the logs dashboard's <c>allValue</c> (<c>.+</c>) and its <c>$search</c> textbox, empty when it opens.</summary>
    public static GrafanaVariables LogQl { get; } = new("1m", "5m", "1h", ".+")
    {
        Text = new Dictionary<string, string>(StringComparer.Ordinal) { ["search"] = "" },
    };

    /// <summary>
    /// <paramref name="query"/> with every variable replaced (<c>$name</c>, <c>${name}</c>, <c>${name:format}</c>).
    /// A query variable in an equality matcher (<c>label="$name"</c>) turns the matcher into a regex one, as Grafana
    /// does for a multi-value variable, so "All" matches every value instead of the literal text of the regex.
    /// </summary>
    public string Substitute(string query)
    {
        var regexMatchers = EqualityMatcher().Replace(query, m => Text.ContainsKey(m.Groups["name"].Value) || m.Groups["name"].Value.StartsWith("__", StringComparison.Ordinal)
            ? m.Value
            : $"{m.Groups["label"].Value}{(m.Groups["op"].Value == "!=" ? "!~" : "=~")}{m.Groups["value"].Value}");
        return Reference().Replace(regexMatchers, m => Value(m.Groups["name"].Value));
    }

    private string Value(string name) => name switch
    {
        "__interval" or "__auto" => Interval,
        "__rate_interval" => RateInterval,
        "__range" => Range,
        _ => Text.TryGetValue(name, out var text) ? text : All,
    };

    // $name, ${name} or ${name:format}; the name is a word (Grafana's variable names).
    [GeneratedRegex(@"\$(?:\{(?<name>\w+)(?::\w+)?\}|(?<name>\w+))")]
    private static partial Regex Reference();

    // label="$name" / label!="${name}": the whole quoted value is one variable reference.
    [GeneratedRegex(@"(?<label>\b\w+\s*)(?<op>!=|=(?![~=]))(?<value>\s*""\$(?:\{(?<name>\w+)(?::\w+)?\}|(?<name>\w+))"")")]
    private static partial Regex EqualityMatcher();
}
