using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TheBot.Monitoring.Caching;

namespace TheBot.Monitoring.Health;

/// <summary>cache: a read of a probe key. A cache that is down degrades the service (reads fall back) rather than breaking it.</summary>
internal sealed class CacheHealthCheck(IDistributedCache cache) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var source = cache is InstrumentedDistributedCache instrumented ? instrumented.Inner : cache;
        try
        {
            await Probe.WithinAsync(source.GetAsync("thebot:health:probe", cancellationToken), cancellationToken);
            return HealthCheckResult.Healthy("cache answers");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"cache unreachable, reads fall back to the database: {exception.Message}");
        }
    }
}
