using System.Runtime.CompilerServices;

namespace TheBot.Monitoring.Metrics;

/// <summary>A monotonically increasing whole-number count.</summary>
public sealed class Counter : Series
{
    private long _value;

    internal Counter(string[] labelValues) : base(labelValues)
    {
    }

    /// <summary>The current count.</summary>
    public long Value => Volatile.Read(ref _value);

    /// <summary>Adds one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inc() => Interlocked.Increment(ref _value);

    /// <summary>Adds <paramref name="amount"/>; negative amounts are ignored because a counter never goes down.</summary>
    public void Inc(long amount)
    {
        if (amount > 0)
        {
            Interlocked.Add(ref _value, amount);
        }
    }
}
