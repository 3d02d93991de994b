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
    public void Inc(double amount = 1) => AtomicDouble.Add(ref _value, amount);

    /// <summary>Subtracts <paramref name="amount"/>.</summary>
    public void Dec(double amount = 1) => Inc(-amount);

    /// <summary>Subtracts <paramref name="amount"/> but never goes below zero (for counts of live things).</summary>
    public void DecToZero(double amount = 1) => AtomicDouble.Update(ref _value, amount, static (seen, a) => Math.Max(0, seen - a));
}
