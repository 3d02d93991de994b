using System.Numerics;
using TheBot.Monitoring.Metrics;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// The native bucket index at its boundaries (exact powers of two, the irrational bounds 2^(j/8), the values just
/// either side, the zero threshold, the clamp at the top), and the schema reduction when the bucket limit is hit.
/// </summary>
public sealed class NativeBucketsTests
{
    [Theory]
    [InlineData(-20)]
    [InlineData(-10)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(15)]
    public void An_exact_power_of_two_is_the_upper_bound_of_its_bucket_and_the_next_value_opens_the_next(int exponent)
    {
        var power = Math.ScaleB(1, exponent);
        if (exponent > -20)
        {
            Assert.Equal(exponent * 8, NativeBuckets.KeyOf(power));
            Assert.Equal(exponent * 8, NativeBuckets.KeyOf(Math.BitDecrement(power)));
        }

        Assert.Equal((exponent * 8) + 1, NativeBuckets.KeyOf(Math.BitIncrement(power)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(7)]
    public void An_irrational_bound_belongs_to_the_bucket_below_it_and_the_next_double_to_the_one_above(int j)
    {
        foreach (var octave in new[] { -12, -3, 0, 2 })
        {
            var bound = Math.ScaleB(Math.Pow(2, j / 8.0), octave);
            Assert.Equal((octave * 8) + j, NativeBuckets.KeyOf(bound));
            Assert.Equal((octave * 8) + j, NativeBuckets.KeyOf(Math.BitDecrement(bound)));
            Assert.Equal((octave * 8) + j + 1, NativeBuckets.KeyOf(Math.BitIncrement(bound)));
        }
    }

    [Fact]
    public void The_bounds_are_the_correctly_rounded_powers_so_they_match_prometheus_bucket_bounds()
    {
        // b = M / 2^52 is the correctly rounded 2^(j/8) iff (2M-1)^8 <= 2^(j+424) <= (2M+1)^8 (424 = 8 × 53).
        for (var j = 1; j < 8; j++)
        {
            var bound = Math.Pow(2, j / 8.0);
            var m = new BigInteger(BitConverter.DoubleToInt64Bits(bound) & ((1L << 52) - 1)) + (BigInteger.One << 52);
            var target = BigInteger.One << (j + 424);
            Assert.True(BigInteger.Pow((2 * m) - 1, 8) <= target && target <= BigInteger.Pow((2 * m) + 1, 8), $"2^({j}/8)");
            Assert.Equal(bound, NativeBuckets.UpperBound(j, NativeBuckets.StorageSchema));
        }
    }

    [Fact]
    public void Random_values_fall_between_the_bounds_of_their_bucket()
    {
        var random = new Random(42);
        for (var i = 0; i < 100_000; i++)
        {
            var value = Math.Exp((random.NextDouble() * 30) - 13); // e^-13 (2 µs) .. e^17 is clamped at 2^16
            var key = NativeBuckets.KeyOf(value);
            if (value > Math.ScaleB(1, 16))
            {
                Assert.Equal(NativeBuckets.MaxKey, key);
                continue;
            }

            Assert.True(NativeBuckets.UpperBound(key - 1, 3) < value && value <= NativeBuckets.UpperBound(key, 3), $"{value:R} in bucket {key}");
        }
    }

    [Fact]
    public void The_zero_bucket_takes_the_threshold_itself_zero_negative_and_nan_and_the_top_takes_everything_over_2_pow_16()
    {
        var buckets = new NativeBuckets();
        var threshold = NativeBuckets.ZeroThreshold;
        Assert.Equal(Math.ScaleB(1, -20), threshold);
        foreach (var value in new[] { threshold, Math.BitDecrement(threshold), 0, -0.0, -1, double.NaN, double.NegativeInfinity })
        {
            buckets.Observe(value);
        }

        buckets.Observe(Math.BitIncrement(threshold));
        buckets.Observe(Math.ScaleB(1, 16));
        buckets.Observe(1e9);
        buckets.Observe(double.PositiveInfinity);

        var snapshot = buckets.Snapshot();
        Assert.Equal(7, snapshot.ZeroCount);
        Assert.Equal([NativeBuckets.MinKey, NativeBuckets.MaxKey], snapshot.Keys);
        Assert.Equal([1L, 3L], snapshot.Counts);
        Assert.Equal(-159, NativeBuckets.MinKey);
        Assert.Equal(128, NativeBuckets.MaxKey);
    }

    [Fact]
    public void Over_the_bucket_limit_the_schema_is_lowered_until_it_fits_and_stays_lowered()
    {
        var buckets = new NativeBuckets(maxBuckets: 4);
        for (var key = 1; key <= 10; key++)
        {
            buckets.Observe(NativeBuckets.UpperBound(key, 3)); // one observation in each storage bucket 1..10
        }

        // Schema 2 would pair them into 5 buckets, still over 4; schema 1 groups fours: (1..4), (5..8), (9, 10).
        var reduced = buckets.Snapshot();
        Assert.Equal(1, reduced.Schema);
        Assert.Equal([1, 2, 3], reduced.Keys);
        Assert.Equal([4L, 4L, 2L], reduced.Counts);

        // A later scrape with few buckets keeps schema 1: Prometheus would otherwise see the resolution flip.
        var fresh = new NativeBuckets(maxBuckets: 4);
        fresh.Observe(1.5);
        Assert.Equal(3, fresh.Snapshot().Schema);
        Assert.Equal(1, buckets.Snapshot().Schema);
    }

    [Fact]
    public void After_any_reduction_each_value_still_lies_inside_its_merged_bucket()
    {
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var value = Math.Exp((random.NextDouble() * 20) - 12);
            var key = NativeBuckets.KeyOf(value);
            for (var reduction = 1; reduction <= 7; reduction++)
            {
                var schema = NativeBuckets.StorageSchema - reduction;
                var merged = NativeBuckets.ReducedKey(key, reduction);
                Assert.True(NativeBuckets.UpperBound(merged - 1, schema) < value && value <= NativeBuckets.UpperBound(merged, schema),
                    $"{value:R}: storage bucket {key} → bucket {merged} at schema {schema}");
            }
        }
    }

    [Fact]
    public void The_schema_never_goes_below_prometheus_minimum()
    {
        var buckets = new NativeBuckets(maxBuckets: 1);
        buckets.Observe(1e-5);
        buckets.Observe(1e4);
        var snapshot = buckets.Snapshot();
        Assert.Equal(NativeBuckets.MinSchema, snapshot.Schema);
        Assert.Equal(2, snapshot.Keys.Length); // 2^-16 … 2^16 still spans two buckets of factor 2^16
        Assert.Equal(2, snapshot.Counts.Sum());
    }

    [Fact]
    public void A_duration_histogram_counts_every_observation_in_both_kinds_of_bucket_without_allocating()
    {
        var registry = new MetricRegistry();
        var histogram = registry.DurationHistogram("d_seconds", "durations", [0.1, 1], "route").WithLabels("/x");
        histogram.Observe(0.05); // warm-up
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            histogram.Observe(0.001 * (i % 2000));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        var native = histogram.Native!.Snapshot();
        Assert.Equal(histogram.Snapshot().Count, native.ZeroCount + native.Counts.Sum());
        Assert.Equal(10_001, histogram.Snapshot().Count);
        Assert.Equal(5, native.ZeroCount); // 0 s, five times
    }
}
