using System.Text.Json;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>One query target of a dashboard panel.</summary>
public sealed record DashboardTarget(string Dashboard, string Panel, string DatasourceUid, string Expr)
{
    /// <summary>Where the query comes from, for messages.</summary>
    public string Origin => $"{Dashboard} / {Panel}";
}

/// <summary>Reads monitoring/grafana/dashboards/*.json.</summary>
public static class Dashboards
{
    /// <summary>The datasource uids provisioned in monitoring/grafana/provisioning/datasources.</summary>
    public static readonly IReadOnlySet<string> DatasourceUids = new HashSet<string>(StringComparer.Ordinal) { "prometheus", "loki", "alertmanager", "-- Grafana --" };

    /// <summary>Every dashboard file.</summary>
    public static IReadOnlyList<string> Files =>
        [.. Directory.GetFiles(Repo.Monitoring("grafana", "dashboards"), "*.json").Order(StringComparer.Ordinal)];

    /// <summary>Parses a dashboard.</summary>
    public static JsonDocument Load(string file) => JsonDocument.Parse(File.ReadAllText(file));

    /// <summary>Every panel, rows' nested panels included.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in nested.EnumerateArray())
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Every query target of every dashboard.</summary>
    public static IReadOnlyList<DashboardTarget> Targets()
    {
        var list = new List<DashboardTarget>();
        foreach (var file in Files)
        {
            using var doc = Load(file);
            var name = Path.GetFileName(file);
            foreach (var panel in Panels(doc.RootElement))
            {
                if (!panel.TryGetProperty("targets", out var targets))
                {
                    continue;
                }

                var panelUid = panel.TryGetProperty("datasource", out var pds) && pds.ValueKind == JsonValueKind.Object ? pds.GetProperty("uid").GetString() : null;
                foreach (var target in targets.EnumerateArray())
                {
                    var uid = target.TryGetProperty("datasource", out var ds) && ds.ValueKind == JsonValueKind.Object ? ds.GetProperty("uid").GetString() : panelUid;
                    list.Add(new DashboardTarget(name, panel.GetProperty("title").GetString() ?? "", uid ?? "", target.GetProperty("expr").GetString() ?? ""));
                }
            }
        }

        return list;
    }

    /// <summary>Every "datasource" value anywhere in the document (path, value).</summary>
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
}
