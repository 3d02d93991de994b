using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace TheBot.Monitoring.Diagnostics;

/// <summary>
/// Ties one of our histogram series to its Meter histogram, with the series' attributes built once. Recording checks
/// <see cref="Instrument.Enabled"/> first: with no listener the hot path pays a field read and a branch, nothing else.
/// </summary>
internal sealed class MeterHistogramLink(Histogram<double> instrument, KeyValuePair<string, object?>[] attributes)
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(double value)
    {
        if (instrument.Enabled)
        {
            instrument.Record(value, attributes);
        }
    }
}
