using System.Text;
using System.Text.RegularExpressions;
using TheBot.Stack;
using Xunit;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>PromQL helpers: Grafana variable substitution, metric-name extraction, parsing with promtool.</summary>
public static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
        "inf", "nan", "Inf", "NaN", "atan2",
    };

    /// <summary>Replaces Grafana's template variables with values PromQL accepts.</summary>
    public static string SubstituteGrafanaVariables(string expr)
    {
        var s = expr
            .Replace("$__rate_interval", "5m", StringComparison.Ordinal)
            .Replace("$__interval", "1m", StringComparison.Ordinal)
            .Replace("$__range", "1h", StringComparison.Ordinal);
        return GrafanaVariable().Replace(s, ".*");
    }

    /// <summary>The metric names an expression reads (selectors, not functions, labels or keywords).</summary>
    public static IReadOnlySet<string> MetricNames(string expr)
    {
        var s = StringLiteral().Replace(SubstituteGrafanaVariables(expr), "\"\"");
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

    /// <summary>
    /// Parses every expression with promtool: each becomes a recording rule in its own group (named after its
    /// origin) and <c>promtool check rules</c> parses the file. Fails the test naming each expression that does not parse.
    /// </summary>
    public static async Task AssertAllParseAsync(IReadOnlyList<(string Origin, string Expr)> expressions)
    {
        using var dir = new TempDir();
        var file = dir.File("parse.yml");
        var yaml = new StringBuilder("groups:\n");
        for (var i = 0; i < expressions.Count; i++)
        {
            var (origin, expr) = expressions[i];
            yaml.Append("  - name: ").Append(Quote($"#{i} {origin}")).Append('\n')
                .Append("    rules:\n")
                .Append("      - record: parsed:expr:").Append(i).Append('\n')
                .Append("        expr: ").Append(Quote(SubstituteGrafanaVariables(expr))).Append('\n');
        }

        await File.WriteAllTextAsync(file, yaml.ToString());
        var result = await Tools.RunAsync("promtool", ["check", "rules", file]);
        if (!result.Succeeded)
        {
            var output = result.StandardOutput + result.StandardError;
            var failing = expressions.Select((e, i) => (e, i))
                .Where(x => output.Contains($"parsed:expr:{x.i}\"", StringComparison.Ordinal) ||
                            output.Contains($"group \"#{x.i} ", StringComparison.Ordinal) ||
                            Regex.IsMatch(output, $@"\b{x.i}:\d+: ", RegexOptions.None, TimeSpan.FromSeconds(1)))
                .Select(x => $"{x.e.Origin}: {x.e.Expr}");
            Assert.Fail($"promtool could not parse some expressions:\n{output}\n{string.Join('\n', failing)}");
        }
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal) + "\"";

    /// <summary>Reads the metric names of a Prometheus text exposition.</summary>
    public static IReadOnlySet<string> ExpositionNames(string exposition) =>
        exposition.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => SampleName().Match(l))
            .Where(m => m.Success)
            .Select(m => m.Value)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The value of the first sample named <paramref name="name"/> in an exposition, null when absent.</summary>
    public static double? SampleValue(string exposition, string name)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && (line[name.Length] is ' ' or '{'))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [GeneratedRegex(@"\$\{?[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?\}?")]
    private static partial Regex GrafanaVariable();

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

    [GeneratedRegex(@"^[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex SampleName();
}
