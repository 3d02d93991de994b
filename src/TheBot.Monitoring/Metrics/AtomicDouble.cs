using System.Runtime.CompilerServices;

namespace TheBot.Monitoring.Metrics;

/// <summary>
/// Lock-free read-modify-write of a shared <see cref="double"/>. The swap is confirmed by comparing bit patterns, not
/// values: once a NaN is stored (an <c>Inc(double.NaN)</c>, or +∞ then −∞), <c>NaN != NaN</c> would make a value
/// comparison fail forever and spin the recording thread.
/// </summary>
internal static class AtomicDouble
{
    /// <summary>Applies <paramref name="update"/> to <paramref name="location"/> atomically; returns the value written.</summary>
    public static double Update<TState>(ref double location, TState state, Func<double, TState, double> update)
    {
        while (true)
        {
            var seen = Volatile.Read(ref location);
            var updated = update(seen, state);
            if (BitConverter.DoubleToInt64Bits(Interlocked.CompareExchange(ref location, updated, seen)) == BitConverter.DoubleToInt64Bits(seen))
            {
                return updated;
            }
        }
    }

    /// <summary>Adds <paramref name="amount"/> to <paramref name="location"/> atomically (written out, not through
    /// <see cref="Update{TState}"/>: it is on every histogram observation, and a delegate call would not inline).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ref double location, double amount)
    {
        double seen;
        do
        {
            seen = Volatile.Read(ref location);
        }
        while (BitConverter.DoubleToInt64Bits(Interlocked.CompareExchange(ref location, seen + amount, seen)) != BitConverter.DoubleToInt64Bits(seen));
    }
}
