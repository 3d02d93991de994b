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

        // Only objects: anything else is a shape problem (PanelShapeProblems), and has no properties to read.
        foreach (var panel in panels.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Object))
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested) && nested.ValueKind == JsonValueKind.Array)
            {
                foreach (var inner in nested.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Object))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>
    /// Where <paramref name="dashboard"/>'s panels are not the shape Grafana reads (JSON path, what is wrong): a
    /// <c>panels</c> (the dashboard's or a row's) that is not an array, or a panel that is not an object. Grafana shows
    /// none of them, and <see cref="Panels"/> skips them, so every per-panel check would pass them unseen.
    /// </summary>
    public static IEnumerable<(string Path, string Problem)> PanelShapeProblems(JsonElement dashboard)
    {
        IEnumerable<(string, string)> Level(JsonElement owner, string path)
        {
            if (!owner.TryGetProperty("panels", out var panels))
            {
                yield break;
            }

            if (panels.ValueKind != JsonValueKind.Array)
            {
                yield return ($"{path}.panels", $"must be an array of panels, is {Shown(panels)}");
                yield break;
            }

            var index = 0;
            foreach (var panel in panels.EnumerateArray())
            {
                var at = $"{path}.panels[{index++}]";
                if (panel.ValueKind != JsonValueKind.Object)
                {
                    yield return (at, $"must be a panel object, is {Shown(panel)}");
                }
                else if (path == "$")
                {
                    // A row's panels, one level down, as Panels reads them.
                    foreach (var problem in Level(panel, at))
                    {
                        yield return problem;
                    }
                }
            }
        }

        return dashboard.ValueKind == JsonValueKind.Object ? Level(dashboard, "$") : [];
    }

    /// <summary>A JSON value in a message: as written, or "an object" (which may be long).</summary>
    private static string Shown(JsonElement value) => value.ValueKind == JsonValueKind.Object ? "an object" : value.GetRawText();

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
