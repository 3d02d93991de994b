using System.Text.Json;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>Reads monitoring/grafana/dashboards/*.json (the model is the one ./thebot check uses).</summary>
public static class Dashboards
{
    /// <summary>Every dashboard file.</summary>
    public static IReadOnlyList<string> Files =>
        [.. Directory.GetFiles(Repo.Monitoring("grafana", "dashboards"), "*.json").Order(StringComparer.Ordinal)];

    /// <summary>Parses a dashboard.</summary>
    public static JsonDocument Load(string file) => JsonDocument.Parse(File.ReadAllText(file));

    /// <summary>Every panel, rows' nested panels included.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard) => DashboardModel.Panels(dashboard);

    /// <summary>Every query target of every dashboard.</summary>
    public static IReadOnlyList<DashboardTarget> Targets() => DashboardModel.Targets(Repo.Monitoring("grafana", "dashboards"));
}
