using System.Text.RegularExpressions;
using TheBot.Testing;
using Xunit;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>PromQL helpers: metric-name extraction, parsing with promtool.</summary>
public static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
        "inf", "nan", "Inf", "NaN", "atan2",
    };

    /// <summary>The metric names an expression reads (selectors, not functions, labels or keywords).</summary>
    public static IReadOnlySet<string> MetricNames(string expr)
    {
        var s = StringLiteral().Replace(GrafanaVariables.PromQl.Substitute(expr), "\"\"");
        s = Braces().Replace(s, " ");
        s = RangeOrSubquery().Replace(s, " ");
        s = Grouping().Replace(s, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Identifier().Matches(s))
        {
            var rest = s[(m.Index + m.Length)..].TrimStart();
            if (rest.StartsWith('(') || Keywords.Contains(m.Value) || char.IsDigit(m.Value[0]))
            {
                continue;
            }

            names.Add(m.Value);
        }

        return names;
    }

    /// <summary>Parses every expression with promtool (<see cref="PromQlParser"/>); fails the test naming each one that does not parse.</summary>
    public static async Task AssertAllParseAsync(IReadOnlyList<(string Origin, string Expr)> expressions)
    {
        Tools.Require("promtool");
        var errors = await PromQlParser.ParseAllAsync(expressions);
        Assert.True(errors is { Count: 0 }, "promtool could not parse:\n" + string.Join('\n', errors?.Select(e => $"{e.Origin}: {e.Reason}: {e.Expr}") ?? []));
    }

    /// <summary>Reads the metric names of a Prometheus text exposition.</summary>
    public static IReadOnlySet<string> ExpositionNames(string exposition) =>
        ExpositionSamples.Read(exposition).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>The value of the first sample named <paramref name="name"/> in an exposition, null when absent.</summary>
    public static double? SampleValue(string exposition, string name) => ExpositionSamples.First(exposition, name);

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\[\]]*\]")]
    private static partial Regex RangeOrSubquery();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex Identifier();
}
