namespace TheBot.Monitoring.Metrics;

/// <summary>Quantile estimation over cumulative buckets, with the same rules as PromQL's histogram_quantile.</summary>
public static class HistogramMath
{
    /// <summary>Estimates quantile <paramref name="q"/> (0..1); null when there are no observations.</summary>
    public static double? Quantile(double q, IReadOnlyList<double> upperBounds, IReadOnlyList<long> cumulativeCounts)
    {
        var total = cumulativeCounts[^1];
        if (total == 0)
        {
            return null;
        }

        var rank = q * total;
        for (var i = 0; i < cumulativeCounts.Count; i++)
        {
            if (cumulativeCounts[i] < rank)
            {
                continue;
            }

            if (i == upperBounds.Count)
            {
                // In the +Inf bucket: the best honest answer is the highest finite bound.
                return upperBounds.Count > 0 ? upperBounds[^1] : null;
            }

            var lower = i == 0 ? 0 : upperBounds[i - 1];
            var below = i == 0 ? 0 : cumulativeCounts[i - 1];
            var inBucket = cumulativeCounts[i] - below;
            return inBucket == 0 ? upperBounds[i] : lower + ((upperBounds[i] - lower) * (rank - below) / inBucket);
        }

        return upperBounds.Count > 0 ? upperBounds[^1] : null;
    }
}
