using System.Runtime.CompilerServices;

namespace TheBot.Monitoring.Metrics;

/// <summary>Counts observations into fixed buckets and keeps their sum.</summary>
public sealed class Histogram : Series
{
    private static readonly double SecondsPerTick = 1.0 / System.Diagnostics.Stopwatch.Frequency;

    private readonly double[] _upperBounds;
    private readonly long[] _bucketCounts; // not cumulative; the last slot is +Inf
    private double _sum;

    internal Histogram(string[] labelValues, double[] upperBounds, ExemplarReservoir? exemplars = null, NativeBuckets? native = null) : base(labelValues)
    {
        _upperBounds = upperBounds;
        _bucketCounts = new long[upperBounds.Length + 1];
        Exemplars = exemplars;
        Native = native;
    }

    /// <summary>The native (exponential) buckets kept beside the classic ones, for duration families; null otherwise.</summary>
    internal NativeBuckets? Native { get; }

    /// <summary>The latest exemplar per bucket, for families created with exemplars; null otherwise.</summary>
    internal ExemplarReservoir? Exemplars { get; }

    /// <summary>The finite upper bounds of the buckets.</summary>
    public IReadOnlyList<double> UpperBounds => _upperBounds;

    /// <summary>UTF-8 of each bucket line's start, <c>name_bucket{labels,le="x"} </c>, made once per series.</summary>
    internal byte[][] EncodedBucketPrefixes { get; set; } = [];

    /// <summary>The same in OpenMetrics, whose bounds are canonical numbers (<c>le="1.0"</c>); shares the lines spelled alike.</summary>
    internal byte[][] EncodedOpenMetricsBucketPrefixes { get; set; } = [];

    /// <summary>The Meter histogram this series also records to while a listener enables it (null: not published).</summary>
    internal Diagnostics.MeterHistogramLink? MeterLink { get; set; }

    /// <summary>Records one observation.</summary>
    public void Observe(double value)
    {
        var bounds = _upperBounds;
        var i = 0;
        while (i < bounds.Length && value > bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref _bucketCounts[i]);
        Native?.Observe(value);
        AtomicDouble.Add(ref _sum, value);
        Exemplars?.Offer(i, value);
        MeterLink?.Record(value);
    }

    /// <summary>Records a duration measured with <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> ticks, in seconds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ObserveTicks(long elapsedTicks) => Observe(elapsedTicks * SecondsPerTick);

    /// <summary>A consistent-enough copy: cumulative bucket counts (the last is +Inf, equal to the count) and the sum.</summary>
    public HistogramSnapshot Snapshot()
    {
        var cumulative = new long[_bucketCounts.Length];
        long running = 0;
        for (var i = 0; i < _bucketCounts.Length; i++)
        {
            running += Volatile.Read(ref _bucketCounts[i]);
            cumulative[i] = running;
        }

        return new HistogramSnapshot(_upperBounds, cumulative, Volatile.Read(ref _sum));
    }

    internal void CopyCumulative(Span<long> cumulative, out double sum)
    {
        long running = 0;
        for (var i = 0; i < _bucketCounts.Length; i++)
        {
            running += Volatile.Read(ref _bucketCounts[i]);
            cumulative[i] = running;
        }

        sum = Volatile.Read(ref _sum);
    }
}

/// <summary>Cumulative bucket counts of a histogram at one moment.</summary>
/// <param name="UpperBounds">Finite bucket bounds.</param>
/// <param name="CumulativeCounts">One more entry than bounds: the last is +Inf, i.e. the total count.</param>
/// <param name="Sum">Sum of all observations.</param>
public sealed record HistogramSnapshot(IReadOnlyList<double> UpperBounds, long[] CumulativeCounts, double Sum)
{
    /// <summary>Number of observations.</summary>
    public long Count => CumulativeCounts[^1];

    /// <summary>
    /// Estimates a quantile by linear interpolation inside the bucket, as Prometheus' histogram_quantile does;
    /// null with no observations.
    /// </summary>
    public double? Quantile(double q) => HistogramMath.Quantile(q, UpperBounds, CumulativeCounts);
}
