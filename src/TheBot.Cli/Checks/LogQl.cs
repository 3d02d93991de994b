using System.Text.RegularExpressions;

namespace TheBot.Cli.Checks;

/// <summary>
/// A checker for the LogQL the dashboards use, after Loki's documented grammar: stream selectors
/// <c>{label op "value", ...}</c> with at least one matcher that cannot match the empty string; line filters
/// (<c>|= != |~ !~</c>); parser and formatting stages (<c>json logfmt pattern regexp unpack line_format
/// label_format decolorize drop keep unwrap</c>); label filters (<c>name op value</c>); range aggregations with a
/// <c>[range]</c>; vector aggregations with <c>by/without</c>. Returns the problems found (empty when valid).
/// </summary>
public static partial class LogQl
{
    private static readonly HashSet<string> RangeFunctions = new(StringComparer.Ordinal)
    {
        "count_over_time", "rate", "rate_counter", "bytes_over_time", "bytes_rate", "avg_over_time", "sum_over_time",
        "min_over_time", "max_over_time", "stdvar_over_time", "stddev_over_time", "quantile_over_time",
        "first_over_time", "last_over_time", "absent_over_time",
    };

    private static readonly HashSet<string> Aggregations = new(StringComparer.Ordinal)
    {
        "sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "sort", "sort_desc",
    };

    private static readonly HashSet<string> Stages = new(StringComparer.Ordinal)
    {
        "json", "logfmt", "pattern", "regexp", "unpack", "line_format", "label_format", "decolorize", "drop", "keep", "unwrap",
    };

    private static readonly HashSet<string> MatchOps = new(StringComparer.Ordinal) { "=", "!=", "=~", "!~" };
    private static readonly HashSet<string> FilterOps = new(StringComparer.Ordinal) { "=", "!=", "=~", "!~", "==", ">", ">=", "<", "<=" };

    /// <summary>Problems in <paramref name="query"/>; empty when it follows the grammar.</summary>
    public static IReadOnlyList<string> Check(string query)
    {
        var problems = new List<string>();
        List<Token> tokens;
        try
        {
            tokens = Tokenize(GrafanaVariables.LogQl.Substitute(query));
        }
        catch (FormatException e)
        {
            return [e.Message];
        }

        var parser = new Parser(tokens, problems);
        parser.Expression();
        if (!parser.AtEnd && problems.Count == 0)
        {
            problems.Add($"unexpected '{parser.Peek.Text}' at {parser.Peek.Position}");
        }

        return problems;
    }

    private enum Kind
    {
        Ident,
        String,
        Number,
        Duration,
        Op,
        Punct,
    }

    private sealed record Token(Kind Kind, string Text, int Position);

    private static List<Token> Tokenize(string s)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '"' or '`')
            {
                var start = i++;
                while (i < s.Length && s[i] != c)
                {
                    i += c == '"' && s[i] == '\\' ? 2 : 1;
                }

                if (i >= s.Length)
                {
                    throw new FormatException($"unterminated string at {start}");
                }

                tokens.Add(new Token(Kind.String, s[(start + 1)..i], start));
                i++;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or '.'))
                {
                    i++;
                }

                tokens.Add(new Token(Kind.Ident, s[start..i], start));
            }
            else if (char.IsDigit(c))
            {
                var m = DurationOrNumber().Match(s, i);
                tokens.Add(new Token(m.Groups[2].Success ? Kind.Duration : Kind.Number, m.Value, i));
                i += m.Length;
            }
            else if (i + 1 < s.Length && s.Substring(i, 2) is "|=" or "!=" or "|~" or "!~" or "=~" or "==" or ">=" or "<=")
            {
                tokens.Add(new Token(Kind.Op, s.Substring(i, 2), i));
                i += 2;
            }
            else if (c is '=' or '>' or '<' or '|' or '+' or '-' or '*' or '/' or '%' or '^')
            {
                tokens.Add(new Token(Kind.Op, c.ToString(), i++));
            }
            else if (c is '{' or '}' or '(' or ')' or '[' or ']' or ',')
            {
                tokens.Add(new Token(Kind.Punct, c.ToString(), i++));
            }
            else
            {
                throw new FormatException($"unexpected character '{c}' at {i}");
            }
        }

        return tokens;
    }

    private sealed class Parser(List<Token> tokens, List<string> problems)
    {
        private int _pos;

        public bool AtEnd => _pos >= tokens.Count;

        public Token Peek => AtEnd ? new Token(Kind.Punct, "<end>", -1) : tokens[_pos];

        public void Expression()
        {
            Operand();
            while (!AtEnd && Peek.Kind == Kind.Op && Peek.Text is "+" or "-" or "*" or "/" or "%" or ">" or "<" or ">=" or "<=" or "==" or "!=")
            {
                _pos++;
                Operand();
            }
        }

        private void Operand()
        {
            var t = Peek;
            if (t.Kind == Kind.Number)
            {
                _pos++;
            }
            else if (t.Kind == Kind.Punct && t.Text == "(")
            {
                _pos++;
                Expression();
                Expect(")");
            }
            else if (t.Kind == Kind.Ident && Aggregations.Contains(t.Text))
            {
                _pos++;
                Grouping();
                Expect("(");
                if (t.Text is "topk" or "bottomk")
                {
                    ExpectKind(Kind.Number, "k");
                    Expect(",");
                }

                Expression();
                Expect(")");
                Grouping();
            }
            else if (t.Kind == Kind.Ident && RangeFunctions.Contains(t.Text))
            {
                _pos++;
                Expect("(");
                if (t.Text == "quantile_over_time")
                {
                    ExpectKind(Kind.Number, "quantile");
                    Expect(",");
                }

                LogQuery();
                Expect("[");
                ExpectKind(Kind.Duration, "range duration");
                Expect("]");
                Expect(")");
                Grouping();
            }
            else if (t.Kind == Kind.Punct && t.Text == "{")
            {
                LogQuery();
            }
            else
            {
                problems.Add($"expected a selector, aggregation or range function at {t.Position}, found '{t.Text}'");
                _pos = tokens.Count;
            }
        }

        private void Grouping()
        {
            if (Peek.Kind == Kind.Ident && Peek.Text is "by" or "without")
            {
                _pos++;
                Expect("(");
                while (Peek.Kind == Kind.Ident)
                {
                    _pos++;
                    if (Peek.Text != ",")
                    {
                        break;
                    }

                    _pos++;
                }

                Expect(")");
            }
        }

        private void LogQuery()
        {
            Selector();
            while (!AtEnd && Peek.Kind == Kind.Op && Peek.Text is "|=" or "!=" or "|~" or "!~" or "|")
            {
                var op = tokens[_pos++].Text;
                if (op != "|")
                {
                    ExpectKind(Kind.String, "line filter string");
                    continue;
                }

                var stage = Peek;
                if (stage.Kind != Kind.Ident)
                {
                    problems.Add($"expected a pipeline stage after '|' at {stage.Position}");
                    return;
                }

                if (Stages.Contains(stage.Text))
                {
                    _pos++;
                    Stage(stage.Text);
                }
                else
                {
                    LabelFilter();
                }
            }
        }

        private void Stage(string name)
        {
            switch (name)
            {
                case "line_format" or "pattern" or "regexp":
                    ExpectKind(Kind.String, $"{name} template");
                    break;
                case "label_format":
                    do
                    {
                        ExpectKind(Kind.Ident, "label name");
                        Expect("=");
                        if (Peek.Kind is Kind.String or Kind.Ident)
                        {
                            _pos++;
                        }
                    }
                    while (TryConsume(","));
                    break;
                case "unwrap":
                    ExpectKind(Kind.Ident, "label to unwrap");
                    break;
                case "drop" or "keep":
                    do
                    {
                        ExpectKind(Kind.Ident, "label name");
                    }
                    while (TryConsume(","));
                    break;
                case "json" or "logfmt":
                    // Optional parameters: json a="x", b="y"
                    while (Peek.Kind == Kind.Ident && _pos + 1 < tokens.Count && tokens[_pos + 1].Text == "=")
                    {
                        _pos += 2;
                        ExpectKind(Kind.String, "json expression");
                        TryConsume(",");
                    }

                    break;
            }
        }

        private void LabelFilter()
        {
            do
            {
                ExpectKind(Kind.Ident, "label name");
                if (Peek.Kind != Kind.Op || !FilterOps.Contains(Peek.Text))
                {
                    problems.Add($"expected a label filter operator at {Peek.Position}, found '{Peek.Text}'");
                    return;
                }

                _pos++;
                if (Peek.Kind is Kind.String or Kind.Number or Kind.Duration)
                {
                    _pos++;
                }
                else
                {
                    problems.Add($"expected a value at {Peek.Position}");
                    return;
                }
            }
            while (Peek.Kind == Kind.Ident && Peek.Text is "and" or "or" && ++_pos > 0 || TryConsume(","));
        }

        private void Selector()
        {
            Expect("{");
            var nonEmpty = 0;
            var count = 0;
            while (Peek.Kind == Kind.Ident)
            {
                var label = tokens[_pos++].Text;
                if (!LabelName().IsMatch(label))
                {
                    problems.Add($"invalid label name '{label}'");
                }

                var op = Peek;
                if (op.Kind != Kind.Op || !MatchOps.Contains(op.Text))
                {
                    problems.Add($"expected = != =~ !~ after {label}, found '{op.Text}'");
                    return;
                }

                _pos++;
                var value = Peek;
                ExpectKind(Kind.String, "matcher value");
                count++;
                if (op.Text == "=" && value.Text.Length > 0 || op.Text == "=~" && !Regex.IsMatch("", "^(?:" + value.Text + ")$", RegexOptions.None, TimeSpan.FromSeconds(1)))
                {
                    nonEmpty++;
                }

                if (!TryConsume(","))
                {
                    break;
                }
            }

            Expect("}");
            if (count == 0)
            {
                problems.Add("empty stream selector {}");
            }
            else if (nonEmpty == 0)
            {
                problems.Add("stream selector needs at least one matcher that cannot match the empty string (Loki rejects it otherwise)");
            }
        }

        private bool TryConsume(string text)
        {
            if (!AtEnd && Peek.Text == text && Peek.Kind is Kind.Punct or Kind.Op)
            {
                _pos++;
                return true;
            }

            return false;
        }

        private void Expect(string text)
        {
            if (!TryConsume(text))
            {
                problems.Add($"expected '{text}' at {Peek.Position}, found '{Peek.Text}'");
                _pos = tokens.Count;
            }
        }

        private void ExpectKind(Kind kind, string what)
        {
            if (Peek.Kind != kind)
            {
                problems.Add($"expected {what} at {Peek.Position}, found '{Peek.Text}'");
                _pos = tokens.Count;
                return;
            }

            _pos++;
        }
    }

    [GeneratedRegex(@"\G\d+(\.\d+)?((ms|s|m|h|d|w|y)(\d+(ms|s|m|h|d|w|y))*)?")]
    private static partial Regex DurationOrNumber();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex LabelName();
}
