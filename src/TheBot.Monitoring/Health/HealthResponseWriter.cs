using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TheBot.Monitoring.SystemEndpoints;

namespace TheBot.Monitoring.Health;

/// <summary>Writes a health report as the JSON of contract §4: overall status and each component with status, duration and when it was checked.</summary>
internal static class HealthResponseWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report, string service, string version)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var body = new Dictionary<string, object?>
        {
            ["status"] = Name(report.Status),
            ["service"] = service,
            ["version"] = version,
            ["checked_at"] = DateTimeOffset.UtcNow,
            ["duration_seconds"] = Math.Round(report.TotalDuration.TotalSeconds, 6),
            ["components"] = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new Dictionary<string, object?>
                {
                    ["status"] = Name(entry.Value.Status),
                    ["duration_seconds"] = Math.Round(entry.Value.Duration.TotalSeconds, 6),
                    // When the check ran: the answer may come from the background probe's last run (at most one
                    // Monitoring:Health:ProbeInterval ago).
                    ["checked_at"] = HealthProbe.CheckedAt(report, entry.Key),
                    ["description"] = entry.Value.Description,
                    ["data"] = entry.Value.Data.Count == 0 ? null : entry.Value.Data.ToDictionary(pair => pair.Key, pair => HealthDataValue.Of(pair.Value)),
                }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, SystemJsonContext.Default.DictionaryStringObject, context.RequestAborted);
    }

    public static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
