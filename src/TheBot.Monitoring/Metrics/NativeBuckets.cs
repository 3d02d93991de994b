using System.Runtime.CompilerServices;

namespace TheBot.Monitoring.Metrics;

/// <summary>
/// The native (sparse, exponential) buckets of one duration histogram series, as Prometheus' native histograms define
/// them: at schema <c>s</c> bucket <c>k</c> holds observations in <c>(2^((k-1)/2^s), 2^(k/2^s)]</c>. Observations are
/// always counted at <see cref="StorageSchema"/> (8 buckets per doubling: each bucket is 9 % wider than the one below,
/// so a quantile is off by at most that) into a fixed dense array over <c>(2^-20 s, 2^16 s]</c> (1 µs to 18 h): one
/// array index and one interlocked increment, no lock and no allocation, whatever the value. Values at or under
/// <see cref="ZeroThreshold"/> (and negative or NaN ones, which a duration cannot be) go to the zero bucket; values over
/// 2^16 s are counted in the top bucket. A scrape that would expose more than the bucket limit lowers the schema
/// (merging neighbours pairwise) until it fits, and stays there for the life of the series, so Prometheus does not see
/// the resolution flip back and forth. See docs/adr/0007-native-histograms.md.
/// </summary>
internal sealed class NativeBuckets
{
    /// <summary>Schema observations are counted at: factor 2^(1/8) ≈ 1.0905 between bucket bounds.</summary>
    public const int StorageSchema = 3;

    /// <summary>Largest number of buckets one scrape exposes before the schema is lowered (as client_golang suggests).</summary>
    public const int DefaultMaxBuckets = 160;

    /// <summary>Lowest schema the reduction goes to (Prometheus' minimum, factor 2^16).</summary>
    public const int MinSchema = -4;

    /// <summary>Observations at or under this (2^-20 s ≈ 0.95 µs) are counted in the zero bucket; it is a bucket bound at every schema.</summary>
    public static readonly double ZeroThreshold = Math.ScaleB(1, -20);

    private const int BucketsPerOctave = 1 << StorageSchema;

    /// <summary>Key of the first bucket above the zero threshold: (2^-20, 2^(-20+1/8)].</summary>
    internal const int MinKey = (-20 * BucketsPerOctave) + 1;

    /// <summary>Key of the top bucket: upper bound 2^16 s.</summary>
    internal const int MaxKey = 16 * BucketsPerOctave;

    /// <summary>Number of storage buckets.</summary>
    internal const int Slots = MaxKey - MinKey + 1;

    private const long MantissaMask = (1L << 52) - 1;

    // The mantissa bits of 2^(j/8) for j = 1..7: a value's position inside its octave is found by comparing its own 52
    // mantissa bits with these, which is exactly comparing the values (same exponent) without a log or a division.
    private static readonly long[] BoundMantissas = ComputeBoundMantissas();

    private readonly long[] _counts = new long[Slots];
    private readonly int _maxBuckets;
    private long _zeroCount;
    private int _reduction;

    public NativeBuckets(int maxBuckets = DefaultMaxBuckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBuckets, 1);
        _maxBuckets = maxBuckets;
    }

    /// <summary>The schema the last scrape exposed (lowered from <see cref="StorageSchema"/> when the bucket limit was hit).</summary>
    public int Schema => StorageSchema - Volatile.Read(ref _reduction);

    /// <summary>Counts one observation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Observe(double value)
    {
        if (value > ZeroThreshold)
        {
            Interlocked.Increment(ref _counts[KeyOf(value) - MinKey]);
        }
        else
        {
            Interlocked.Increment(ref _zeroCount);
        }
    }

    /// <summary>
    /// The storage-schema key of a value above the zero threshold: the k with 2^((k-1)/8) &lt; value ≤ 2^(k/8),
    /// clamped to <see cref="MaxKey"/> (infinity included).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int KeyOf(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)(bits >> 52) - 1023; // value = 1.m × 2^exponent; it is over 2^-20, so never subnormal
        var mantissa = bits & MantissaMask;
        if (exponent >= 16)
        {
            return MaxKey; // 2^16 itself has mantissa 0 and lands on MaxKey below as well
        }

        // Index inside the octave: how many of 2^(0/8)..2^(7/8) the mantissa is strictly above. An exact power of two
        // (mantissa 0) is above none, so it is the upper bound of the bucket below: buckets are upper-inclusive.
        var b = BoundMantissas;
        var inOctave = (mantissa > 0 ? 1 : 0) + (mantissa > b[1] ? 1 : 0) + (mantissa > b[2] ? 1 : 0) + (mantissa > b[3] ? 1 : 0)
                       + (mantissa > b[4] ? 1 : 0) + (mantissa > b[5] ? 1 : 0) + (mantissa > b[6] ? 1 : 0) + (mantissa > b[7] ? 1 : 0);
        return (exponent * BucketsPerOctave) + inOctave;
    }

    /// <summary>
    /// Upper bound of bucket <paramref name="key"/> at <paramref name="schema"/>: 2^(key / 2^schema), computed as
    /// 2^(j / 2^schema) scaled by a whole power of two, i.e. from the same doubles <see cref="KeyOf"/> compares with.
    /// </summary>
    public static double UpperBound(int key, int schema)
    {
        if (schema <= 0)
        {
            return Math.ScaleB(1, key << -schema);
        }

        var perOctave = 1 << schema;
        var octave = (int)Math.Floor((double)key / perOctave);
        var inOctave = key - (octave * perOctave);
        return Math.ScaleB(Math.Pow(2, (double)inOctave / perOctave), octave);
    }

    /// <summary>Key of a storage bucket after lowering the schema by <paramref name="reduction"/> (each step merges pairs).</summary>
    internal static int ReducedKey(int key, int reduction) => (key + (1 << reduction) - 1) >> reduction;

    /// <summary>
    /// Copies the populated buckets at the exposed schema into <paramref name="keys"/> and <paramref name="counts"/>
    /// (each at least <see cref="Slots"/> long), lowering the schema first when more than the limit are populated;
    /// returns how many were written, with the schema and zero count. <paramref name="scratch"/> (at least
    /// <see cref="Slots"/> long) receives the raw counts: the caller reuses one per scrape, since a fresh stackalloc
    /// would be zeroed for every series (2.3 KB each).
    /// </summary>
    internal int Read(Span<long> scratch, Span<int> keys, Span<long> counts, out int schema, out long zeroCount)
    {
        var stored = scratch[..Slots];
        for (var i = 0; i < Slots; i++)
        {
            stored[i] = Volatile.Read(ref _counts[i]);
        }

        zeroCount = Volatile.Read(ref _zeroCount);
        var reduction = Volatile.Read(ref _reduction);
        int populated;
        while ((populated = Merge(stored, reduction, keys, counts)) > _maxBuckets && StorageSchema - reduction > MinSchema)
        {
            reduction++;
        }

        // Only scrapes change it (under the exposition's gate); a racing second reader could only write the same or a larger value.
        Volatile.Write(ref _reduction, reduction);
        schema = StorageSchema - reduction;
        return populated;
    }

    /// <summary>A copy for tests and tools: schema, zero count and the populated buckets as (key, count) pairs.</summary>
    public NativeSnapshot Snapshot()
    {
        var keys = new int[Slots];
        var counts = new long[Slots];
        var n = Read(new long[Slots], keys, counts, out var schema, out var zeroCount);
        return new NativeSnapshot(schema, ZeroThreshold, zeroCount, keys[..n], counts[..n]);
    }

    private static int Merge(ReadOnlySpan<long> stored, int reduction, Span<int> keys, Span<long> counts)
    {
        var n = 0;
        for (var i = 0; i < stored.Length; i++)
        {
            // Most of the 288 slots are empty: jump to the next populated one (a vectorized scan).
            var next = stored[i..].IndexOfAnyExcept(0L);
            if (next < 0)
            {
                break;
            }

            i += next;
            var key = ReducedKey(i + MinKey, reduction);
            if (n > 0 && keys[n - 1] == key)
            {
                counts[n - 1] += stored[i]; // the reduced key never decreases with i, so equal keys are neighbours
            }
            else
            {
                keys[n] = key;
                counts[n] = stored[i];
                n++;
            }
        }

        return n;
    }

    private static long[] ComputeBoundMantissas()
    {
        var mantissas = new long[BucketsPerOctave];
        for (var j = 1; j < BucketsPerOctave; j++)
        {
            mantissas[j] = BitConverter.DoubleToInt64Bits(Math.Pow(2, (double)j / BucketsPerOctave)) & MantissaMask;
        }

        return mantissas;
    }
}

/// <summary>The native buckets of a series at one moment (tests, tools).</summary>
/// <param name="Schema">Exposed schema: bucket bounds grow by 2^(2^-schema).</param>
/// <param name="ZeroThreshold">Width of the zero bucket.</param>
/// <param name="ZeroCount">Observations in the zero bucket.</param>
/// <param name="Keys">Indexes of the populated buckets, increasing.</param>
/// <param name="Counts">Observations in each of them.</param>
internal sealed record NativeSnapshot(int Schema, double ZeroThreshold, long ZeroCount, int[] Keys, long[] Counts);
