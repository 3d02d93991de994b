using System.Globalization;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;

namespace TheBot.Monitoring;

/// <summary>
/// Checks <see cref="MonitoringOptions"/> when the host starts (<c>ValidateOnStart</c>), so a typo in configuration
/// fails start-up with a message naming its key instead of surfacing later as a timer exception, a series cap that
/// drops everything or a health check that never answers. Every failure is reported, not only the first.
/// </summary>
internal sealed class MonitoringOptionsValidator : IValidateOptions<MonitoringOptions>
{
    private const string Section = MonitoringOptions.SectionName;
    private const string Health = $"{Section}:{nameof(MonitoringOptions.Health)}";

    /// <summary>
    /// Longest probe interval: also the oldest result readiness answers from, so past it a load balancer acts on
    /// news an hour old. An hour, not less, because a benchmark turns the probe practically off with 01:00:00.
    /// </summary>
    private static readonly TimeSpan MaxProbeInterval = TimeSpan.FromHours(1);

    /// <summary>
    /// Longest check timeout: a readiness request may wait one check timeout, and an orchestrator's probe gives up
    /// after seconds. Far below Npgsql's 1024 s limit on its connect and command timeouts, which the unpooled database
    /// check passes the timeout to.
    /// </summary>
    private static readonly TimeSpan MaxCheckTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Longest sample interval; as for the probe, an hour lets a benchmark turn the sampler practically off.</summary>
    private static readonly TimeSpan MaxSampleInterval = TimeSpan.FromHours(1);

    /// <summary>Longest sample retention: the longest window <c>/api/system/metrics/</c> and <c>/analytics/</c> accept.</summary>
    private static readonly TimeSpan MaxSampleRetention = TimeSpan.FromDays(1);

    /// <summary>
    /// Most samples the sampler may keep (<c>SampleRetention / SampleInterval</c>): a day at the default 5 s, so every
    /// retention the endpoints accept works at the default interval. Each sample holds every route template's totals
    /// and latency buckets, about 235 bytes per template (measured with the default buckets: 9.4 KB for 40
    /// templates), so the bound is about 40 MB for 10 templates and 160 MB for 40, where 1 ms kept for a day asked for
    /// 86.4 million samples, some 800 GB for 40.
    /// </summary>
    private static readonly long MaxSamples = MaxSampleRetention.Ticks / new MonitoringOptions().SampleInterval.Ticks;

    public ValidateOptionsResult Validate(string? name, MonitoringOptions options)
    {
        var failures = new List<string>();
        var health = options.Health;

        // PeriodicTimer needs at least a millisecond; a zero or negative interval is a typo, not "as fast as possible".
        Require(failures, health.ProbeInterval >= TimeSpan.FromMilliseconds(1),
            $"{Health}:{nameof(HealthThresholds.ProbeInterval)} must be > 0 (at least 1 ms); it is {health.ProbeInterval}.");
        RequireAtMost(failures, $"{Health}:{nameof(HealthThresholds.ProbeInterval)}", health.ProbeInterval, MaxProbeInterval);
        Require(failures, health.CheckTimeout > TimeSpan.Zero,
            $"{Health}:{nameof(HealthThresholds.CheckTimeout)} must be > 0; it is {health.CheckTimeout}.");
        // Not tied to ProbeInterval: a check still running at the next tick is joined, not started twice.
        RequireAtMost(failures, $"{Health}:{nameof(HealthThresholds.CheckTimeout)}", health.CheckTimeout, MaxCheckTimeout);
        Require(failures, health.DiskUnhealthyFreeRatio is >= 0 and <= 1 && health.DiskDegradedFreeRatio is >= 0 and <= 1,
            $"{Health}:{nameof(HealthThresholds.DiskDegradedFreeRatio)} and {nameof(HealthThresholds.DiskUnhealthyFreeRatio)} must be between 0 and 1.");
        Require(failures, health.DiskUnhealthyFreeRatio <= health.DiskDegradedFreeRatio,
            $"{Health}:{nameof(HealthThresholds.DiskUnhealthyFreeRatio)} ({health.DiskUnhealthyFreeRatio}) must not exceed {nameof(HealthThresholds.DiskDegradedFreeRatio)} ({health.DiskDegradedFreeRatio}).");
        Require(failures, health.MemoryDegradedLoadRatio is > 0 and <= 1,
            $"{Health}:{nameof(HealthThresholds.MemoryDegradedLoadRatio)} must be > 0 and at most 1; it is {health.MemoryDegradedLoadRatio}.");
        // Checked here so a typo fails start-up, not every disk check and the system snapshot later.
        Require(failures, !string.IsNullOrWhiteSpace(health.DiskPath) && Directory.Exists(health.DiskPath),
            $"{Health}:{nameof(HealthThresholds.DiskPath)} must name an existing folder; '{health.DiskPath}' is not one.");
        Require(failures, health.JobQueueDegradedDepth >= 0,
            $"{Health}:{nameof(HealthThresholds.JobQueueDegradedDepth)} must be >= 0; it is {health.JobQueueDegradedDepth}.");

        Require(failures, options.SampleInterval >= TimeSpan.FromMilliseconds(1),
            $"{Section}:{nameof(MonitoringOptions.SampleInterval)} must be > 0 (at least 1 ms); it is {options.SampleInterval}.");
        RequireAtMost(failures, $"{Section}:{nameof(MonitoringOptions.SampleInterval)}", options.SampleInterval, MaxSampleInterval);
        Require(failures, options.SampleRetention >= options.SampleInterval,
            $"{Section}:{nameof(MonitoringOptions.SampleRetention)} ({options.SampleRetention}) must be at least {nameof(MonitoringOptions.SampleInterval)} ({options.SampleInterval}).");
        RequireAtMost(failures, $"{Section}:{nameof(MonitoringOptions.SampleRetention)}", options.SampleRetention, MaxSampleRetention);
        if (SampleCountProblem(options.SampleInterval, options.SampleRetention) is { } samples)
        {
            failures.Add(samples);
        }

        Require(failures, options.MaxSeriesPerMetric > 0,
            $"{Section}:{nameof(MonitoringOptions.MaxSeriesPerMetric)} must be > 0; it is {options.MaxSeriesPerMetric}.");
        Require(failures, options.ManagementPort is null or (> 0 and <= 65535),
            $"{Section}:{nameof(MonitoringOptions.ManagementPort)} must be a TCP port (1-65535); it is {options.ManagementPort}.");
        Require(failures, options.BasePath.StartsWith('/'),
            $"{Section}:{nameof(MonitoringOptions.BasePath)} must start with '/'; it is '{options.BasePath}'.");
        if (RoutePatternError(options.BasePath) is { } patternError)
        {
            failures.Add($"{Section}:{nameof(MonitoringOptions.BasePath)} '{options.BasePath}' is not a valid route pattern: {patternError}");
        }
        Require(failures, !string.IsNullOrWhiteSpace(options.JobName),
            $"{Section}:{nameof(MonitoringOptions.JobName)} must not be empty (it is the generated scrape config's job_name).");
        Require(failures, !string.IsNullOrWhiteSpace(options.DistributedCacheName),
            $"{Section}:{nameof(MonitoringOptions.DistributedCacheName)} must not be empty (it is the cache_name label of the distributed cache).");
        Require(failures, options.BridgedMeters is not null && options.BridgedMeters.All(meter => !string.IsNullOrWhiteSpace(meter)),
            $"{Section}:{nameof(MonitoringOptions.BridgedMeters)} must list meter names; an entry is empty.");
        Require(failures, options.HttpDurationBuckets is null || AscendingFinite(options.HttpDurationBuckets),
            $"{Section}:{nameof(MonitoringOptions.HttpDurationBuckets)} must be finite bucket bounds in strictly ascending order.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Require(List<string> failures, bool condition, string message)
    {
        if (!condition)
        {
            failures.Add(message);
        }
    }

    /// <summary>
    /// Upper bound of a duration. The hint is there because the configuration binder reads a bare number as days
    /// ("5" is five days), the likeliest way to get here; far enough over, the value would otherwise surface later as
    /// a timer's ArgumentOutOfRangeException naming no key, or a readiness answer days old.
    /// </summary>
    private static void RequireAtMost(List<string> failures, string key, TimeSpan value, TimeSpan max) =>
        Require(failures, value <= max,
            $"{key} must be at most {max:c}; it is {value:c}. A bare number is days in .NET: write 00:00:05 for five seconds.");

    /// <summary>
    /// Why the sampler would keep too many samples (<see cref="MaxSamples"/>) with <paramref name="interval"/> and
    /// <paramref name="retention"/>, with the two ways out; null when it would not, or when the interval is no
    /// duration at all (its own message says so).
    /// </summary>
    private static string? SampleCountProblem(TimeSpan interval, TimeSpan retention)
    {
        if (interval < TimeSpan.FromMilliseconds(1))
        {
            return null;
        }

        var samples = retention.Ticks / interval.Ticks;
        if (samples <= MaxSamples)
        {
            return null;
        }

        const string intervalKey = $"{Section}:{nameof(MonitoringOptions.SampleInterval)}";
        const string retentionKey = $"{Section}:{nameof(MonitoringOptions.SampleRetention)}";
        var shortestInterval = TimeSpan.FromTicks((retention.Ticks + MaxSamples - 1) / MaxSamples);
        var longestRetention = TimeSpan.FromTicks(Math.Min(interval.Ticks * MaxSamples, MaxSampleRetention.Ticks));
        return string.Create(CultureInfo.InvariantCulture,
            $"{retentionKey} ({retention:c}) / {intervalKey} ({interval:c}) keeps {samples:N0} samples, more than the {MaxSamples:N0} allowed "
            + $"(each holds every route template's totals and latency buckets); set {intervalKey} to at least {shortestInterval:c} "
            + $"or {retentionKey} to at most {longestRetention:c}.");
    }

    /// <summary>Why <paramref name="basePath"/> cannot be a route group's prefix, or null when it can (MapGroup would throw, naming no key).</summary>
    private static string? RoutePatternError(string basePath)
    {
        try
        {
            RoutePatternFactory.Parse(basePath.TrimEnd('/'));
            return null;
        }
        catch (RoutePatternException exception)
        {
            return exception.Message;
        }
    }

    private static bool AscendingFinite(double[] bounds) =>
        bounds.Length > 0 && bounds.All(double.IsFinite) && bounds.Zip(bounds.Skip(1)).All(pair => pair.First < pair.Second);
}
