using Microsoft.AspNetCore.Http;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>
/// Serves the registry. Scrapes are rare (one per interval per Prometheus), so one buffer is reused under a
/// lock instead of allocating a fresh one per scrape.
/// </summary>
internal sealed class ExpositionEndpoint(MetricRegistry registry)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ExpositionWriter _writer = new();

    public async Task WriteAsync(HttpContext context)
    {
        var openMetrics = context.Request.Headers.Accept.ToString().Contains("application/openmetrics-text", StringComparison.OrdinalIgnoreCase);
        await _gate.WaitAsync(context.RequestAborted);
        try
        {
            _writer.Reset(openMetrics);
            registry.WriteTo(_writer);
            context.Response.ContentType = openMetrics ? ExpositionWriter.OpenMetricsContentType : ExpositionWriter.TextContentType;
            context.Response.Headers.CacheControl = "no-store";
            context.Response.ContentLength = _writer.WrittenMemory.Length;
            await context.Response.Body.WriteAsync(_writer.WrittenMemory, context.RequestAborted);
        }
        finally
        {
            _gate.Release();
        }
    }
}
