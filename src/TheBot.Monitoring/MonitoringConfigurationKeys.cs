using Microsoft.Extensions.Configuration;

namespace TheBot.Monitoring;

/// <summary>
/// The keys the <c>Monitoring</c> section may hold, to name the ones the binder would silently ignore (a misspelt
/// <c>ScrapTokenFile</c> leaves the scrape open to loopback only, with nothing said). Listed by hand, not found by
/// reflection, so that the library stays trim and AOT clean; a test holds the lists equal to the options' properties.
/// </summary>
/// <remarks>
/// Unknown keys are a warning, not a failed start: a configuration rolled out ahead of the library version that
/// reads a new key must not take the service down (the binder's <c>ErrorOnUnknownConfiguration</c> would).
/// </remarks>
internal static class MonitoringConfigurationKeys
{
    /// <summary>The settings of <see cref="MonitoringOptions"/>, bound from <c>Monitoring:*</c>.</summary>
    internal static readonly string[] Monitoring =
    [
        nameof(MonitoringOptions.ServiceName),
        nameof(MonitoringOptions.Version),
        nameof(MonitoringOptions.JobName),
        nameof(MonitoringOptions.PublicAddress),
        nameof(MonitoringOptions.ScrapeToken),
        nameof(MonitoringOptions.ScrapeTokenFile),
        nameof(MonitoringOptions.AdminToken),
        nameof(MonitoringOptions.AdminTokenFile),
        nameof(MonitoringOptions.BasePath),
        nameof(MonitoringOptions.ManagementPort),
        nameof(MonitoringOptions.HttpDurationBuckets),
        nameof(MonitoringOptions.MaxSeriesPerMetric),
        nameof(MonitoringOptions.BridgedMeters),
        nameof(MonitoringOptions.DistributedCacheName),
        nameof(MonitoringOptions.SampleInterval),
        nameof(MonitoringOptions.SampleRetention),
        nameof(MonitoringOptions.Health),
    ];

    /// <summary>The settings of <see cref="HealthThresholds"/>, bound from <c>Monitoring:Health:*</c>.</summary>
    internal static readonly string[] Health =
    [
        nameof(HealthThresholds.CheckTimeout),
        nameof(HealthThresholds.ProbeInterval),
        nameof(HealthThresholds.DiskPath),
        nameof(HealthThresholds.DiskDegradedFreeRatio),
        nameof(HealthThresholds.DiskUnhealthyFreeRatio),
        nameof(HealthThresholds.MemoryDegradedLoadRatio),
        nameof(HealthThresholds.JobQueueDegradedDepth),
    ];

    /// <summary>
    /// Each key under <c>Monitoring</c> that is no setting (its full path, e.g. <c>Monitoring:Health:ProbeIntreval</c>),
    /// with the settings of its section. Keys compare as the binder compares them, ignoring case; the entries of a
    /// list setting (<c>BridgedMeters:0</c>) are not looked into.
    /// </summary>
    internal static IEnumerable<(string Key, string[] Known)> Unknown(IConfiguration configuration)
    {
        var section = configuration.GetSection(MonitoringOptions.SectionName);
        foreach (var child in section.GetChildren())
        {
            if (!Monitoring.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                yield return (child.Path, Monitoring);
            }
            else if (string.Equals(child.Key, nameof(MonitoringOptions.Health), StringComparison.OrdinalIgnoreCase))
            {
                foreach (var health in child.GetChildren().Where(h => !Health.Contains(h.Key, StringComparer.OrdinalIgnoreCase)))
                {
                    yield return (health.Path, Health);
                }
            }
        }
    }
}
