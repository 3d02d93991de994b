using System.Globalization;
using System.Text.RegularExpressions;
using TheBot.Cli.Config;

namespace TheBot.Cli.Explain;

/// <summary>
/// The few things <c>explain</c> reads out of an alert's PromQL: the vector before its threshold, the threshold,
/// the metric names it uses, its widest range and its <c>job</c> matcher. Not a parser: it walks parentheses, braces
/// and strings at the top level, which is all the committed rules need, and says nothing when unsure.
/// </summary>
internal static partial class PromQlParts
{
    private static readonly string[] SetOperators = ["and", "or", "unless"];
    private static readonly string[] Comparisons = [">=", "<=", "==", "!=", ">", "<"];

    /// <summary>The first operand of a top-level and/or/unless, split at its top-level comparison: (vector, operator, threshold).</summary>
    public static (string Vector, string? Operator, double? Threshold) Condition(string expr) => Conditions(expr)[0];

    /// <summary>
    /// One condition per top-level <c>or</c> branch, in order: an alert such as <c>pg_up == 0 or up{job="postgres"} == 0</c>
    /// fires through either, and a hung database empties the first branch while the second holds. Each branch is its
    /// first operand of <c>and</c>/<c>unless</c> (those bind tighter than <c>or</c> and only narrow it), split at its
    /// top-level comparison.
    /// </summary>
    public static IReadOnlyList<(string Vector, string? Operator, double? Threshold)> Conditions(string expr)
    {
        var branches = new List<(string, string?, double?)>();
        var rest = expr.Trim();
        while (true)
        {
            var (branch, op, remainder) = SplitTopLevel(rest, ["or"], words: true);
            branches.Add(Branch(branch.Trim()));
            if (op is null)
            {
                return branches;
            }

            rest = VectorMatching().Replace(remainder.Trim(), "");
        }
    }

    private static (string Vector, string? Operator, double? Threshold) Branch(string branch)
    {
        var first = SplitTopLevel(branch, SetOperators, words: true).First.Trim();
        var (left, op, right) = SplitTopLevel(first, Comparisons, words: false);
        if (op is null)
        {
            return (first, null, null);
        }

        var threshold = double.TryParse(right.Replace("bool", "", StringComparison.Ordinal).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : (double?)null;
        return (left.Trim(), op, threshold);
    }

    /// <summary>Metric and recording-rule names the expression reads (not functions, keywords or label names).</summary>
    public static IReadOnlyList<string> Names(string expr)
    {
        var withoutSelectors = Brackets().Replace(Braces().Replace(Strings().Replace(expr, "\"\""), "{}"), "[]");
        return Identifier().Matches(withoutSelectors)
            .Where(m => !IsFunctionCall(withoutSelectors, m) && !Keywords.Contains(m.Value) && !IsGroupingLabel(withoutSelectors, m))
            .Select(m => m.Value).Distinct().ToList();
    }

    /// <summary>The widest range selector (<c>[5m]</c>) in the expression, if any.</summary>
    public static TimeSpan? WidestRange(string expr) =>
        Range().Matches(expr).Select(m => PrometheusDuration.TryParse(m.Groups[1].Value, out var d, out _) ? d : (TimeSpan?)null).Where(d => d is not null).Max();

    /// <summary>The <c>job="…"</c> matcher of the expression, if it has exactly one job.</summary>
    public static string? Job(string expr) =>
        JobMatcher().Matches(expr).Select(m => m.Groups[1].Value).Distinct().ToList() is [var job] ? job : null;

    /// <summary>
    /// The label matchers (<c>name op "value"</c>) inside the braces of <paramref name="metric"/>'s first selector in
    /// the expression, in order; empty when it has none. A comma or brace inside a quoted value stays in its matcher.
    /// </summary>
    public static IReadOnlyList<string> Matchers(string expr, string metric) =>
        new Regex(Regex.Escape(metric) + """\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}""").Match(expr) is { Success: true } selector
            ? [.. LabelMatcher().Matches(selector.Groups[1].Value).Select(m => m.Value)]
            : [];

    // "or on (job) …" / "or ignoring (instance) …": the matching modifier belongs to the operator, not to the next branch.
    [GeneratedRegex(@"^(?:on|ignoring)\s*\([^)]*\)\s*")]
    private static partial Regex VectorMatching();

    private static readonly HashSet<string> Keywords =
    [
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "inf", "nan",
    ];

    private static bool IsFunctionCall(string text, Match match)
    {
        var after = match.Index + match.Length;
        while (after < text.Length && text[after] == ' ')
        {
            after++;
        }

        return after < text.Length && text[after] == '(';
    }

    // Labels inside by (…) / without (…) / on (…) / ignoring (…) / group_left (…) are not metrics.
    private static bool IsGroupingLabel(string text, Match match)
    {
        var open = text.LastIndexOf('(', match.Index);
        var close = text.LastIndexOf(')', match.Index);
        if (open < 0 || close > open)
        {
            return false;
        }

        var before = text[..open].TrimEnd();
        return GroupingKeyword().IsMatch(before);
    }

    /// <summary>Splits at the first top-level occurrence of one of <paramref name="operators"/>.</summary>
    private static (string First, string? Operator, string Remainder) SplitTopLevel(string text, string[] operators, bool words)
    {
        var depth = 0;
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                inString = c != '"' || text[i - 1] == '\\';
                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    continue;
                case '(' or '{' or '[':
                    depth++;
                    continue;
                case ')' or '}' or ']':
                    depth--;
                    continue;
            }

            if (depth != 0)
            {
                continue;
            }

            foreach (var op in operators)
            {
                if (string.CompareOrdinal(text, i, op, 0, op.Length) != 0)
                {
                    continue;
                }

                var boundary = !words || ((i == 0 || !char.IsLetterOrDigit(text[i - 1])) && (i + op.Length >= text.Length || !char.IsLetterOrDigit(text[i + op.Length])));
                if (boundary)
                {
                    return (text[..i], op, text[(i + op.Length)..]);
                }
            }
        }

        return (text, null, "");
    }

    [GeneratedRegex("""\{[^}]*\}""")]
    private static partial Regex Braces();

    [GeneratedRegex("""\[[^\]]*\]""")]
    private static partial Regex Brackets();

    [GeneratedRegex("""
        "(?:[^"\\]|\\.)*"
        """)]
    private static partial Regex Strings();

    [GeneratedRegex("""[a-zA-Z_:][a-zA-Z0-9_:]*""")]
    private static partial Regex Identifier();

    [GeneratedRegex("""\[(\d+[a-z]+(?:\d+[a-z]+)*)(?::[^\]]*)?\]""")]
    private static partial Regex Range();

    [GeneratedRegex("[a-zA-Z_][a-zA-Z0-9_]*\\s*(?:=~|!~|!=|=)\\s*\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex LabelMatcher();

    [GeneratedRegex("""\bjob\s*=\s*"([^"]+)"\s*[,}]""")]
    private static partial Regex JobMatcher();

    [GeneratedRegex("""\b(by|without|on|ignoring|group_left|group_right)$""")]
    private static partial Regex GroupingKeyword();
}
