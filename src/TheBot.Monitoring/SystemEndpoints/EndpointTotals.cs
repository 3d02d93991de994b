using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>Totals of one route template.</summary>
/// <param name="Requests">Requests.</param>
/// <param name="Errors">Requests answered 5xx.</param>
/// <param name="CumulativeBuckets">Latency buckets summed over methods.</param>
public sealed record EndpointTotals(long Requests, long Errors, long[]? CumulativeBuckets)
{
    /// <summary>Bounds of <see cref="CumulativeBuckets"/>.</summary>
    public IReadOnlyList<double> UpperBounds { get; init; } = [];

    /// <summary>What happened between <paramref name="earlier"/> and this.</summary>
    public EndpointTotals Minus(EndpointTotals? earlier) => earlier is null ? this : new EndpointTotals(
        Requests - earlier.Requests,
        Errors - earlier.Errors,
        CumulativeBuckets is null ? null : earlier.CumulativeBuckets is null ? CumulativeBuckets : CumulativeBuckets.Zip(earlier.CumulativeBuckets, (a, b) => a - b).ToArray())
    {
        UpperBounds = UpperBounds,
    };

    /// <summary>Latency quantile in seconds; null without requests.</summary>
    public double? Quantile(double q) => CumulativeBuckets is null ? null : HistogramMath.Quantile(q, UpperBounds, CumulativeBuckets);
}
