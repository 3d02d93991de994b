using System.Text.Json;

namespace TheBot.Cli.Checks;

/// <summary>One query target of a dashboard panel.</summary>
public sealed record DashboardTarget(string Dashboard, string Panel, string DatasourceUid, string Expr)
{
    /// <summary>Where the query comes from, for messages.</summary>
    public string Origin => $"{Dashboard} / {Panel}";
}

/// <summary>Reads Grafana dashboard JSON: panels, query targets, datasource references.</summary>
public static partial class DashboardModel
{
    /// <summary>Every panel, rows' nested panels included.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        if (!dashboard.TryGetProperty("panels", out var panels) || panels.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var panel in panels.EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested) && nested.ValueKind == JsonValueKind.Array)
            {
                foreach (var inner in nested.EnumerateArray())
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Every query target of <paramref name="dashboard"/> (file name <paramref name="name"/>); a target's datasource defaults to its panel's.</summary>
    public static IReadOnlyList<DashboardTarget> Targets(string name, JsonElement dashboard)
    {
        var list = new List<DashboardTarget>();
        foreach (var panel in Panels(dashboard))
        {
            if (!panel.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var panelUid = Uid(dashboard, panel);
            var title = panel.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "";
            foreach (var target in targets.EnumerateArray())
            {
                var expr = target.TryGetProperty("expr", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : "";
                list.Add(new DashboardTarget(name, title, Uid(dashboard, target) ?? panelUid ?? "", expr));
            }
        }

        return list;
    }

    /// <summary>Every query target of every dashboard file in <paramref name="dashboardsDir"/>.</summary>
    public static IReadOnlyList<DashboardTarget> Targets(string dashboardsDir) =>
        [.. Directory.GetFiles(dashboardsDir, "*.json").Order(StringComparer.Ordinal).SelectMany(file =>
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            return Targets(Path.GetFileName(file), doc.RootElement);
        })];

    /// <summary>Every "datasource" value anywhere in the document (JSON path, value).</summary>
    public static IEnumerable<(string Path, JsonElement Value)> DatasourceReferences(JsonElement node, string path = "$")
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in node.EnumerateObject())
                {
                    if (property.Name == "datasource")
                    {
                        yield return ($"{path}.datasource", property.Value);
                    }
                    else
                    {
                        foreach (var inner in DatasourceReferences(property.Value, $"{path}.{property.Name}"))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in node.EnumerateArray())
                {
                    foreach (var inner in DatasourceReferences(item, $"{path}[{i++}]"))
                    {
                        yield return inner;
                    }
                }

                break;
        }
    }

    private static string? Uid(JsonElement dashboard, JsonElement element) =>
        element.TryGetProperty("datasource", out var ds) && ds.ValueKind == JsonValueKind.Object && ds.TryGetProperty("uid", out var uid)
            ? ResolveUid(dashboard, uid.GetString())
            : null;

    /// <summary>
    /// The provisioned datasource uid a reference stands for: the uid itself, or for a datasource variable
    /// (<c>${name}</c> or <c>$name</c>, declared in templating with type "datasource", e.g. the dashboards' $datasource
    /// that switches between Prometheus and VictoriaMetrics) the variable's current value, which Grafana opens with.
    /// </summary>
    public static string? ResolveUid(JsonElement dashboard, string? uid)
    {
        var name = uid is null ? null : VariableReference().Match(uid) is { Success: true } m ? m.Groups[1].Value : null;
        if (name is null || !dashboard.TryGetProperty("templating", out var templating) || !templating.TryGetProperty("list", out var variables)
            || variables.ValueKind != JsonValueKind.Array)
        {
            return uid;
        }

        foreach (var variable in variables.EnumerateArray())
        {
            if (variable.TryGetProperty("name", out var n) && n.GetString() == name && variable.TryGetProperty("type", out var t) && t.GetString() == "datasource"
                && variable.TryGetProperty("current", out var current) && current.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }
        }

        return uid;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\$\{?(\w+)\}?$")]
    private static partial System.Text.RegularExpressions.Regex VariableReference();
}
