using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Caching;

/// <summary>The cache families of contract §5 (hits and misses by cache_name) plus errors, which count as misses.</summary>
public sealed class CacheMetrics
{
    /// <summary>Creates the families in <paramref name="registry"/>.</summary>
    public CacheMetrics(MetricRegistry registry)
    {
        Hits = registry.Counter("thebot_cache_hits_total", "Cache reads that found the key, by cache.", "cache_name");
        Misses = registry.Counter("thebot_cache_misses_total", "Cache reads that did not find the key (failed reads included), by cache.", "cache_name");
        Errors = registry.Counter("thebot_cache_errors_total", "Cache operations that failed because the cache was unreachable or broken, by cache.", "cache_name");
    }

    /// <summary><c>thebot_cache_hits_total</c>.</summary>
    public MetricFamily<Counter> Hits { get; }

    /// <summary><c>thebot_cache_misses_total</c>.</summary>
    public MetricFamily<Counter> Misses { get; }

    /// <summary><c>thebot_cache_errors_total</c>.</summary>
    public MetricFamily<Counter> Errors { get; }

    /// <summary>The three series of one named cache.</summary>
    public CacheSeries For(string cacheName) => new(Hits.WithLabels(cacheName), Misses.WithLabels(cacheName), Errors.WithLabels(cacheName));
}

/// <summary>Hit, miss and error counters of one cache.</summary>
/// <param name="Hits">Hits.</param>
/// <param name="Misses">Misses.</param>
/// <param name="Errors">Errors.</param>
public sealed record CacheSeries(Counter Hits, Counter Misses, Counter Errors);
