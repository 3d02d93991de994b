using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Diagnostics;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.SystemEndpoints;
using TheBot.Monitoring.Workload;

namespace TheBot.Monitoring;

/// <summary>
/// At start: resolves the options (so a bad token file fails start-up, not the first scrape), starts the bridge,
/// publishes build info, and warns of what it would otherwise ignore in silence (late data services, unknown keys).
/// </summary>
internal sealed partial class MonitoringStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var identity = services.GetRequiredService<ServiceIdentity>();
        var registry = services.GetRequiredService<MetricRegistry>();
        registry.Gauge("thebot_build_info", "Always 1; labels carry the service name and version.", "service", "version")
            .WithLabels(identity.Name, identity.Version).Set(1);
        registry.AddSource(services.GetRequiredService<MeterBridge>());
        services.GetRequiredService<TheBotMeter>();
        var logger = services.GetRequiredService<ILogger<MonitoringStartup>>();
        if (services.GetService<DataServiceInstrumentation>()?.Missed() is { Count: > 0 } missed)
        {
            LogNotInstrumented(logger, string.Join(", ", missed));
        }

        if (services.GetService<IConfiguration>() is { } configuration)
        {
            foreach (var (key, known) in MonitoringConfigurationKeys.Unknown(configuration))
            {
                LogUnknownKey(logger, key, string.Join(", ", known));
            }
        }

        // Families exist from the start: their HELP and TYPE are exposed before the first event, and the unlabelled
        // ones (requests in flight) have their series at zero. A labelled series appears at its first event, since a
        // zero series would need invented label values, so absent() on one of those is true until then.
        services.GetRequiredService<HttpMetrics>();
        services.GetRequiredService<DbMetrics>();
        services.GetRequiredService<CacheMetrics>();
        services.GetRequiredService<WorkloadMetrics>();
        foreach (var application in services.GetServices<ApplicationMetricsType>())
        {
            services.GetRequiredService(application.Type);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Warning, "Not instrumented: {Services} registered after AddTheBotMonitoring(); their commands and reads are not counted " +
        "(and a database registered that late has no readiness check). Call builder.Services.InstrumentTheBotDataServices() after the last registration.")]
    private static partial void LogNotInstrumented(ILogger logger, string services);

    [LoggerMessage(LogLevel.Warning, "{Key} is not a setting of TheBot.Monitoring and is ignored (misspelt?). The settings there: {Known}.")]
    private static partial void LogUnknownKey(ILogger logger, string key, string known);
}
