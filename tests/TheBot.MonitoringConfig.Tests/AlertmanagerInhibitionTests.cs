using System.Net.Http.Json;
using System.Text.Json;
using TheBot.MonitoringConfig.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>The inhibition rules, proven against a running Alertmanager (loopback, free port, clustering off).</summary>
public class AlertmanagerInhibitionTests
{
    [Fact]
    public async Task Critical_and_service_down_alerts_inhibit_their_warnings_and_symptoms()
    {
        Tools.Require("prometheus-alertmanager");
        using var dir = new CheckTempDir();
        var config = await File.ReadAllTextAsync(await AlertmanagerConfig.RenderAsync(dir));
        await using var am = await AlertmanagerServer.StartNewAsync(config);

        var alerts = new[]
        {
            Alert("critical-source", "HighCPUUsage", "critical", "system", ("instance", "node-exporter:9100")),
            Alert("warning-same-alert", "HighCPUUsage", "warning", "system", ("instance", "node-exporter:9100")),
            Alert("service-down", "BackendServiceDown", "critical", "backend", ("job", "thebot-backend"), ("instance", "backend:8000")),
            Alert("symptom-latency", "BackendHighLatency", "warning", "backend", ("job", "thebot-backend")),
            Alert("db-down", "PostgreSQLDown", "critical", "database", ("instance", "postgres-exporter:9187"), ("job", "postgres")),
            Alert("db-symptom", "LongRunningQueries", "warning", "database", ("instance", "postgres-exporter:9187"), ("job", "postgres")),
            Alert("control-other-component", "HighDiskIO", "warning", "system", ("instance", "node-exporter:9100")),
        };
        await am.PostAlertsAsync(alerts);

        var expectedInhibited = new[] { "warning-same-alert", "symptom-latency", "db-symptom" };
        var expectedActive = new[] { "critical-source", "service-down", "db-down", "control-other-component" };
        Dictionary<string, (string State, int InhibitedBy)> status = [];
        await TestHttp.WaitUntilAsync(
            async () =>
            {
                status = Statuses(await am.ListAlertsAsync());
                return expectedInhibited.All(id => status.TryGetValue(id, out var s) && s.InhibitedBy > 0) &&
                       expectedActive.All(id => status.ContainsKey(id));
            },
            TimeSpan.FromSeconds(20),
            () => "alerts not inhibited as expected: " + string.Join(", ", status.Select(kv => $"{kv.Key}={kv.Value}")));

        foreach (var id in expectedInhibited)
        {
            Assert.Equal("suppressed", status[id].State);
        }

        foreach (var id in expectedActive)
        {
            Assert.Equal(("active", 0), status[id]);
        }

        // The API's own filter agrees.
        var inhibitedOnly = await TestHttp.Client.GetFromJsonAsync<JsonElement>(am.Url + "/api/v2/alerts?inhibited=true&active=false&silenced=false");
        Assert.Equal(expectedInhibited.Order(), inhibitedOnly.EnumerateArray().Select(a => a.GetProperty("labels").GetProperty("test_id").GetString()!).Order());
    }

    private static object Alert(string id, string name, string severity, string component, params (string Key, string Value)[] extra)
    {
        var labels = new Dictionary<string, string> { ["alertname"] = name, ["severity"] = severity, ["component"] = component };
        foreach (var (k, v) in extra)
        {
            labels[k] = v;
        }

        labels["test_id"] = id;
        return new
        {
            labels,
            annotations = new Dictionary<string, string> { ["summary"] = id },
            startsAt = DateTime.UtcNow.AddMinutes(-1),
            endsAt = DateTime.UtcNow.AddMinutes(10),
        };
    }

    private static Dictionary<string, (string State, int InhibitedBy)> Statuses(JsonElement alerts) =>
        alerts.EnumerateArray().ToDictionary(
            a => a.GetProperty("labels").GetProperty("test_id").GetString()!,
            a => (a.GetProperty("status").GetProperty("state").GetString()!, a.GetProperty("status").GetProperty("inhibitedBy").GetArrayLength()));
}
