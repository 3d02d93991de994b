using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace TheBot.Monitoring.Health;

/// <summary>job_queue: workers running and the backlog under its threshold.</summary>
internal sealed class JobQueueHealthCheck(IServiceProvider services, IOptions<MonitoringOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService(typeof(IJobQueueMonitor)) is not IJobQueueMonitor queue)
        {
            return Task.FromResult(HealthCheckResult.Healthy("this service runs no job queue"));
        }

        var data = new Dictionary<string, object> { ["depth"] = queue.Depth };
        return Task.FromResult(!queue.IsRunning ? HealthCheckResult.Unhealthy("job workers are not running", data: data)
            : queue.Depth > options.Value.Health.JobQueueDegradedDepth ? HealthCheckResult.Degraded($"{queue.Depth} jobs waiting", data: data)
            : HealthCheckResult.Healthy($"{queue.Depth} jobs waiting", data));
    }
}
