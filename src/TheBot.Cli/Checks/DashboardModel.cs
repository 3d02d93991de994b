using System.Text.Json;

namespace TheBot.Cli.Checks;

/// <summary>One query target of a dashboard panel.</summary>
public sealed record DashboardTarget(string Dashboard, string Panel, string DatasourceUid, string Expr)
{
    /// <summary>Where the query comes from, for messages.</summary>
    public string Origin => $"{Dashboard} / {Panel}";
}

/// <summary>Reads Grafana dashboard JSON: panels, query targets, datasource references.</summary>
public static class DashboardModel
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

            var panelUid = Uid(panel);
            var title = panel.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "";
            foreach (var target in targets.EnumerateArray())
            {
                var expr = target.TryGetProperty("expr", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : "";
                list.Add(new DashboardTarget(name, title, Uid(target) ?? panelUid ?? "", expr));
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

    private static string? Uid(JsonElement element) =>
        element.TryGetProperty("datasource", out var ds) && ds.ValueKind == JsonValueKind.Object && ds.TryGetProperty("uid", out var uid)
            ? uid.GetString()
            : null;
}
