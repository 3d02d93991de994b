using System.Text.RegularExpressions;

namespace TheBot.Cli.Checks;

/// <summary>
/// postgres-exporter/queries.yml (postgres_exporter's --extend.query-path format): valid YAML; every query has a
/// non-empty <c>query</c> and a <c>metrics</c> list whose columns each have a known <c>usage</c> and a
/// <c>description</c> and appear in the SQL; and every <c>&lt;namespace&gt;_&lt;column&gt;</c> metric that the rules
/// in prometheus/ or the dashboards use is one the file produces (a renamed column would silently empty them).
/// </summary>
public sealed class PostgresExporterQueriesCheck : IMonitoringCheck
{
    /// <inheritdoc />
    public string Key => "postgres-exporter";

    /// <summary>What the line says was checked.</summary>
    public const string Name = "postgres_exporter queries, columns, metrics used by rules and dashboards";

    /// <summary>The column usages postgres_exporter accepts.</summary>
    public static readonly IReadOnlySet<string> Usages = new HashSet<string>(StringComparer.Ordinal)
    {
        "LABEL", "COUNTER", "GAUGE", "HISTOGRAM", "MAPPEDMETRIC", "DURATION", "DISCARD",
    };

    /// <inheritdoc />
    public Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken) =>
        CheckResult.ForYamlFile(context, context.Monitoring("postgres-exporter", "queries.yml"), Name, queries => Problems(queries, context));

    private static List<string> Problems(Dictionary<object, object> queries, CheckContext context)
    {
        var problems = new List<string>();
        var produced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, body) in queries)
        {
            var space = key.ToString() ?? "";
            var sql = body.At("query").AsText();
            if (string.IsNullOrWhiteSpace(sql))
            {
                problems.Add($"{space}: query missing or empty");
            }

            var metrics = body.At("metrics").AsList();
            if (metrics.Count == 0)
            {
                problems.Add($"{space}: metrics missing or empty");
            }

            for (var i = 0; i < metrics.Count; i++)
            {
                var column = metrics[i].AsMap();
                if (column.Count != 1)
                {
                    problems.Add($"{space}.metrics[{i}]: must map exactly one column to its usage and description");
                    continue;
                }

                var (name, spec) = (column.Keys.First().ToString() ?? "", column.Values.First());
                var place = $"{space}.metrics[{i}] '{name}'";
                var usage = spec.At("usage").AsText();
                if (usage is null)
                {
                    problems.Add($"{place}: usage missing");
                }
                else if (!Usages.Contains(usage))
                {
                    problems.Add($"{place}: usage '{usage}' is not one of {string.Join(", ", Usages)}");
                }

                if (string.IsNullOrWhiteSpace(spec.At("description").AsText()))
                {
                    problems.Add($"{place}: description missing");
                }

                if (sql is not null && !Regex.IsMatch(sql, $@"\b{Regex.Escape(name)}\b"))
                {
                    problems.Add($"{place}: the query returns no column '{name}'");
                }

                if (usage is not (null or "LABEL" or "DISCARD"))
                {
                    produced.Add($"{space}_{name}");
                    produced.UnionWith(usage == "HISTOGRAM" ? [$"{space}_{name}_bucket", $"{space}_{name}_sum", $"{space}_{name}_count"] : []);
                }
            }
        }

        problems.AddRange(UsedButNotProduced(context, [.. queries.Keys.Select(k => k.ToString() ?? "")], produced));
        return problems;
    }

    // Names under one of our namespaces that a rule file or dashboard mentions but no column produces.
    private static IEnumerable<string> UsedButNotProduced(CheckContext context, IReadOnlyList<string> namespaces, IReadOnlySet<string> produced)
    {
        if (namespaces.Count == 0)
        {
            yield break;
        }

        var users = new[] { ("prometheus", "*.yml"), ("grafana/dashboards", "*.json") }
            .Select(d => (Dir: context.Monitoring(d.Item1.Split('/')), Pattern: d.Item2))
            .Where(d => Directory.Exists(d.Dir))
            .SelectMany(d => Directory.GetFiles(d.Dir, d.Pattern))
            .Order(StringComparer.Ordinal);
        var name = new Regex($@"\b(?:{string.Join('|', namespaces.Select(Regex.Escape))})_[a-z0-9_]+\b");
        foreach (var user in users)
        {
            foreach (var used in name.Matches(File.ReadAllText(user)).Select(m => m.Value).Distinct().Where(n => !produced.Contains(n)))
            {
                yield return $"{context.Display(user)} uses {used}, which no query here produces (produced: {string.Join(", ", produced.Order(StringComparer.Ordinal))})";
            }
        }
    }
}
