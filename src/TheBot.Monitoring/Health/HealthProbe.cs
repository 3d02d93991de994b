using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Health;

/// <summary>
/// The service's <see cref="HealthCheckService"/>: answers from each component's latest result when it is no older
/// than <see cref="HealthThresholds.ProbeInterval"/> (which the background probe keeps it), and otherwise waits for
/// that component's one running check (single flight). So health, readiness and liveness answer at once however
/// often they are asked, a hung dependency holds a request at most for one check timeout, and it is never probed
/// more than once at a time. The framework's own service still runs each check (timeouts, failure status, logging).
/// Publishes <c>thebot_health_component_up{component}</c> from every finished check.
/// </summary>
internal sealed class HealthProbe : HealthCheckService
{
    private static readonly ConditionalWeakTable<HealthReport, IReadOnlyDictionary<string, DateTimeOffset>> CheckedAtByReport = [];

    private readonly ComponentProbe[] _components;
    private readonly TimeSpan _maxAge;

    public HealthProbe(HealthCheckService runner, IOptions<HealthCheckServiceOptions> checks, IOptions<MonitoringOptions> options, MetricRegistry registry, ILogger<HealthProbe> logger)
    {
        var up = registry.Gauge("thebot_health_component_up",
            "1 when the health component's last check passed, 0 when it was degraded, unhealthy or timed out; by component.", "component");
        _components = [.. checks.Value.Registrations.Select(r => new ComponentProbe(r, runner, up, options.Value.Health.CheckTimeout, logger))];
        _maxAge = options.Value.Health.ProbeInterval;
    }

    /// <summary>When each component of <paramref name="report"/> (made by this service) was checked.</summary>
    public static DateTimeOffset? CheckedAt(HealthReport report, string component) =>
        CheckedAtByReport.TryGetValue(report, out var map) && map.TryGetValue(component, out var at) ? at : null;

    /// <summary>Runs every component's check now (joining the ones already running): the background probe's tick.</summary>
    public Task RefreshAsync() => Task.WhenAll(_components.Select(c => c.RunAsync()));

    /// <inheritdoc />
    public override async Task<HealthReport> CheckHealthAsync(Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var selected = predicate is null ? _components : _components.Where(c => predicate(c.Registration)).ToArray();
        var results = await Task.WhenAll(selected.Select(c => c.GetAsync(_maxAge))).WaitAsync(cancellationToken);
        var entries = new Dictionary<string, HealthReportEntry>(StringComparer.OrdinalIgnoreCase);
        var checkedAt = new Dictionary<string, DateTimeOffset>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < selected.Length; i++)
        {
            entries[selected[i].Registration.Name] = results[i].Entry;
            checkedAt[selected[i].Registration.Name] = results[i].CheckedAt;
        }

        var report = new HealthReport(entries, Stopwatch.GetElapsedTime(started));
        CheckedAtByReport.AddOrUpdate(report, checkedAt);
        return report;
    }
}
