using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace TheBot.Monitoring.Metrics;

/// <summary>
/// The latest exemplar of each bucket of one histogram series: <c>trace_id</c> and <c>span_id</c> of the
/// <see cref="Activity"/> the observation was made under, its value and when. One slot per bucket, overwritten in
/// place (latest wins, as OpenMetrics keeps at most one exemplar per bucket), so an observation allocates nothing.
/// Nothing is recorded until a scraper has negotiated OpenMetrics or protobuf (the formats that carry exemplars; the
/// registry's switch turns on at the first such scrape), and nothing without a current W3C Activity.
/// </summary>
internal sealed class ExemplarReservoir(int buckets, StrongBox<bool> wanted)
{
    // A wall-clock base plus the coarse monotonic millisecond counter: a few ns per read where DateTime.UtcNow and
    // Stopwatch cost 30–40 ns each on this VM (docs/benchmarks.md). Exemplar timestamps only need to place a request
    // in a scrape interval, so millisecond resolution and the slow drift against NTP over a process' life are fine.
    private static readonly long BaseUnixMilliseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - Environment.TickCount64;

    /// <summary>An exemplar in a bucket is replaced at most this often (latest wins, at this granularity).</summary>
    internal const long MinIntervalMilliseconds = 10;

    private readonly Slot[] _slots = new Slot[buckets];

    /// <summary>Records an exemplar for <paramref name="bucket"/> when exemplars are wanted and an Activity is current.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Offer(int bucket, double value)
    {
        if (Volatile.Read(ref wanted.Value))
        {
            Store(bucket, value);
        }
    }

    /// <summary>A consistent copy of one bucket's exemplar; false when it has none (or a writer kept it busy).</summary>
    public bool TryRead(int bucket, out Exemplar exemplar)
    {
        ref var slot = ref _slots[bucket];
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var before = Volatile.Read(ref slot.Version);
            if (before == 0)
            {
                break;
            }

            if ((before & 1) == 0)
            {
                exemplar = new Exemplar(slot.TraceId!, slot.SpanId!, slot.Value, slot.UnixMilliseconds);
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref slot.Version) == before)
                {
                    return true;
                }
            }

            Thread.SpinWait(8);
        }

        exemplar = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Store(int bucket, double value)
    {
        // At most one exemplar per bucket every MinIntervalMilliseconds: Prometheus takes one per bucket per scrape
        // (seconds apart), so on a busy route the rest would be overwritten unseen. Skipping them before the Activity
        // read and the compare-and-swap keeps a hot bucket at the cost of one clock read and one compare.
        ref var slot = ref _slots[bucket];
        var now = Environment.TickCount64;
        if (now - Volatile.Read(ref slot.TickMilliseconds) < MinIntervalMilliseconds)
        {
            return;
        }

        var activity = Activity.Current;
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }

        // A sequence lock: odd while written. A writer that finds the slot busy drops its exemplar, since the one being
        // written is just as recent; readers retry until they see the same even version before and after.
        var version = Volatile.Read(ref slot.Version);
        if ((version & 1) != 0 || Interlocked.CompareExchange(ref slot.Version, version + 1, version) != version)
        {
            return;
        }

        // W3C ids are kept by the Activity as hex strings once it has started: reading them allocates nothing.
        slot.TraceId = activity.TraceId.ToHexString();
        slot.SpanId = activity.SpanId.ToHexString();
        slot.Value = value;
        slot.UnixMilliseconds = BaseUnixMilliseconds + now;
        slot.TickMilliseconds = now;
        Volatile.Write(ref slot.Version, version + 2);
    }

    private struct Slot
    {
        public int Version;
        public string? TraceId;
        public string? SpanId;
        public double Value;
        public long UnixMilliseconds;
        public long TickMilliseconds;
    }
}
