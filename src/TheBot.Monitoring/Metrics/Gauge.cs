namespace TheBot.Monitoring.Metrics;

/// <summary>A value that can go up and down.</summary>
public sealed class Gauge : Series
{
    private double _value;

    internal Gauge(string[] labelValues) : base(labelValues)
    {
    }

    /// <summary>The current value.</summary>
    public double Value => Volatile.Read(ref _value);

    /// <summary>Replaces the value.</summary>
    public void Set(double value) => Volatile.Write(ref _value, value);

    /// <summary>Adds <paramref name="amount"/> (which may be negative).</summary>
    public void Inc(double amount = 1)
    {
        double seen, updated;
        do
        {
            seen = Volatile.Read(ref _value);
            updated = seen + amount;
        }
        while (Interlocked.CompareExchange(ref _value, updated, seen) != seen);
    }

    /// <summary>Subtracts <paramref name="amount"/>.</summary>
    public void Dec(double amount = 1) => Inc(-amount);

    /// <summary>Subtracts <paramref name="amount"/> but never goes below zero (for counts of live things).</summary>
    public void DecToZero(double amount = 1)
    {
        double seen, updated;
        do
        {
            seen = Volatile.Read(ref _value);
            updated = Math.Max(0, seen - amount);
        }
        while (Interlocked.CompareExchange(ref _value, updated, seen) != seen);
    }
}
