namespace TheBot.Monitoring.Diagnostics;

/// <summary>Which System.Diagnostics.Metrics instrument a family is published as.</summary>
internal enum InstrumentKind
{
    /// <summary>ObservableCounter: a total that only goes up (our counters).</summary>
    Counter,

    /// <summary>ObservableUpDownCounter: an additive amount that goes up and down (things in flight, open, queued).</summary>
    UpDownCounter,

    /// <summary>ObservableGauge: a value that is not summed across attributes (a 0/1 state, build info).</summary>
    Gauge,

    /// <summary>Histogram, recorded while a listener enables it.</summary>
    Histogram,
}
