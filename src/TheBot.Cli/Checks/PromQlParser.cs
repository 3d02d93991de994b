using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TheBot.Cli.Checks;

/// <summary>An expression promtool could not parse, with promtool's reason.</summary>
public sealed record PromQlError(string Origin, string Expr, string Reason);

/// <summary>Parses PromQL with the real parser: promtool, by way of a throw-away rule file.</summary>
public static partial class PromQlParser
{
    /// <summary>
    /// Parses every expression (Grafana variables substituted by <see cref="GrafanaVariables.PromQl"/>): each becomes a recording rule in its own group and
    /// <c>promtool check rules</c> reads the file. Returns the expressions that do not parse with promtool's reason;
    /// null when promtool is not installed.
    /// </summary>
    public static async Task<IReadOnlyList<PromQlError>?> ParseAllAsync(IReadOnlyList<(string Origin, string Expr)> expressions, CancellationToken cancellationToken = default)
    {
        if (expressions.Count == 0)
        {
            return [];
        }

        using var dir = new CheckTempDir();
        var file = dir.File("parse.yml");
        var yaml = new StringBuilder("groups:\n");
        for (var i = 0; i < expressions.Count; i++)
        {
            yaml.Append("  - name: ").Append(Quote($"#{i}")).Append('\n')
                .Append("    rules:\n")
                .Append("      - record: parsed:expr:").Append(i).Append('\n')
                .Append("        expr: ").Append(Quote(GrafanaVariables.PromQl.Substitute(expressions[i].Expr))).Append('\n');
        }

        await File.WriteAllTextAsync(file, yaml.ToString(), cancellationToken);
        var result = await CheckTool.RunAsync("promtool", ["check", "rules", file], cancellationToken);
        if (result is null)
        {
            return null;
        }

        if (result.Succeeded)
        {
            return [];
        }

        var output = result.StandardOutput + "\n" + result.StandardError;
        var errors = new List<PromQlError>();
        foreach (Match m in RuleError().Matches(output))
        {
            var (origin, expr) = expressions[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)];
            errors.Add(new PromQlError(origin, expr, m.Groups[2].Value.Trim()));
        }

        if (errors.Count == 0)
        {
            // Not a per-expression error (e.g. the file itself): report it against every expression's origin.
            errors.Add(new PromQlError(string.Join(", ", expressions.Select(e => e.Origin).Distinct()), "", CheckTool.Useful(result)));
        }

        return errors;
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal) + "\"";

    [GeneratedRegex("\"parsed:expr:(\\d+)\": (.*)")]
    private static partial Regex RuleError();
}
