using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TheBot.Monitoring.Health;

/// <summary>
/// Checks every health component every <see cref="HealthThresholds.ProbeInterval"/>, so that
/// <c>thebot_health_component_up</c> is fresh whether or not anyone asks for health, and the endpoints can answer from
/// a result that is never older than the interval. A tick that finds a check still running joins it (the timer skips
/// the ticks it missed) rather than starting another.
/// </summary>
internal sealed class HealthProbeService(HealthProbe probe, IOptions<MonitoringOptions> options) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Health.ProbeInterval);
        try
        {
            do
            {
                await probe.RefreshAsync().WaitAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
