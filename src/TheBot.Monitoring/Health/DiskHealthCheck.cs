using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace TheBot.Monitoring.Health;

/// <summary>disk: free space of the configured path's file system.</summary>
internal sealed class DiskHealthCheck(IOptions<MonitoringOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var thresholds = options.Value.Health;
        var drive = new DriveInfo(thresholds.DiskPath);
        var free = drive.TotalSize == 0 ? 1 : (double)drive.AvailableFreeSpace / drive.TotalSize;
        var data = new Dictionary<string, object> { ["free_bytes"] = drive.AvailableFreeSpace, ["total_bytes"] = drive.TotalSize, ["free_ratio"] = Math.Round(free, 4) };
        var description = $"{Percent.Of(free)} free on {thresholds.DiskPath}";
        return Task.FromResult(free < thresholds.DiskUnhealthyFreeRatio ? HealthCheckResult.Unhealthy(description, data: data)
            : free < thresholds.DiskDegradedFreeRatio ? HealthCheckResult.Degraded(description, data: data)
            : HealthCheckResult.Healthy(description, data));
    }
}
