using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace TheBot.Monitoring.Health;

/// <summary>memory: memory load the GC sees against what is available to the process.</summary>
internal sealed class MemoryHealthCheck(IOptions<MonitoringOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var info = GC.GetGCMemoryInfo();
        var available = info.TotalAvailableMemoryBytes;
        var load = available == 0 ? 0 : (double)info.MemoryLoadBytes / available;
        var data = new Dictionary<string, object> { ["memory_load_bytes"] = info.MemoryLoadBytes, ["available_bytes"] = available, ["gc_heap_bytes"] = GC.GetTotalMemory(false) };
        var description = $"memory load {Percent.Of(load)}";
        return Task.FromResult(load > options.Value.Health.MemoryDegradedLoadRatio
            ? HealthCheckResult.Degraded(description, data: data)
            : HealthCheckResult.Healthy(description, data));
    }
}
