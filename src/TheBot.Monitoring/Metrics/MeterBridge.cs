using System.Diagnostics.Metrics;
using System.Text;

namespace TheBot.Monitoring.Metrics;

/// <summary>
/// Brings instruments of the framework's own meters (runtime, Kestrel, Npgsql's pool, …) into our exposition,
/// named by Prometheus rules: dots become underscores, the unit becomes a base-unit suffix, counters end in
/// <c>_total</c>. Instruments that would duplicate our own metrics are left out.
/// </summary>
public sealed class MeterBridge : IMetricSource, IDisposable
{
    private static readonly double[] DefaultSecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly Func<Instrument, bool> _include;
    private readonly Lock _lock = new();
    private readonly List<BridgedInstrument> _instruments = [];

    /// <summary>
    /// Listens to every instrument for which <paramref name="include"/> is true, among global meters and those
    /// created by <paramref name="meterFactory"/> (the host's): other hosts in the same process keep theirs.
    /// </summary>
    public MeterBridge(Func<Instrument, bool> include, object? meterFactory = null)
    {
        // Our own meter republishes the exposition's families: bridging it back would write each of them twice.
        _include = instrument => (instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, meterFactory))
            && instrument.Meter.Name != Diagnostics.TheBotMeter.MeterName
            && include(instrument);
        _listener.InstrumentPublished = OnPublished;
        _listener.MeasurementsCompleted = (instrument, state) =>
        {
            lock (_lock)
            {
                _instruments.Remove((BridgedInstrument)state!);
            }
        };
        _listener.SetMeasurementEventCallback<double>(static (i, value, tags, state) => ((BridgedInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (i, value, tags, state) => ((BridgedInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (i, value, tags, state) => ((BridgedInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (i, value, tags, state) => ((BridgedInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (i, value, tags, state) => ((BridgedInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (i, value, tags, state) => ((BridgedInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (i, value, tags, state) => ((BridgedInstrument)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Names of the families the bridge currently exposes.</summary>
    public IReadOnlyList<string> FamilyNames
    {
        get
        {
            lock (_lock)
            {
                return _instruments.Select(i => i.Name).ToList();
            }
        }
    }

    /// <summary>The current value of a bridged gauge or counter series, summed over its series; null when unknown.</summary>
    public double? Sum(string familyName)
    {
        BridgedInstrument? found;
        lock (_lock)
        {
            found = _instruments.FirstOrDefault(i => i.Name == familyName);
        }

        _listener.RecordObservableInstruments();
        return found?.Sum();
    }

    /// <inheritdoc />
    public void Write(ExpositionWriter writer)
    {
        // Observable instruments (most runtime ones) report only when asked, i.e. at scrape time.
        _listener.RecordObservableInstruments();
        BridgedInstrument[] instruments;
        lock (_lock)
        {
            instruments = [.. _instruments];
        }

        foreach (var instrument in instruments)
        {
            instrument.Write(writer);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void OnPublished(Instrument instrument, MeterListener listener)
    {
        if (!_include(instrument))
        {
            return;
        }

        var bridged = BridgedInstrument.Create(instrument);
        lock (_lock)
        {
            if (_instruments.Any(i => i.Name == bridged.Name))
            {
                return; // a second meter instance with the same instrument: keep the first, never emit a family twice
            }

            _instruments.Add(bridged);
        }

        listener.EnableMeasurementEvents(instrument, bridged);
    }

    /// <summary>
    /// Instruments the runtime declares as (observable) counters although their value goes down: a Prometheus counter
    /// must never decrease (rate() would read every drop as a reset), so they are exposed as gauges.
    /// </summary>
    private static readonly HashSet<(string Meter, string Instrument)> CountersThatGoDown =
    [
        ("System.Runtime", "dotnet.thread_pool.thread.count"),
        ("System.Runtime", "dotnet.thread_pool.queue.length"),
    ];

    /// <summary>Prometheus name for an instrument, e.g. <c>kestrel.connection.duration</c> (s) → <c>kestrel_connection_duration_seconds</c>.</summary>
    public static string PrometheusName(Instrument instrument, out MetricType type, out double scale)
    {
        type = instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> or Counter<float> or Counter<short> or Counter<byte> or Counter<decimal> => MetricType.Counter,
            ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> or ObservableCounter<float> or ObservableCounter<short> or ObservableCounter<byte> or ObservableCounter<decimal> => MetricType.Counter,
            Histogram<long> or Histogram<int> or Histogram<double> or Histogram<float> or Histogram<short> or Histogram<byte> or Histogram<decimal> => MetricType.Histogram,
            // Gauges, UpDownCounters and ObservableUpDownCounters: values that can go down.
            _ => MetricType.Gauge,
        };
        if (type == MetricType.Counter && CountersThatGoDown.Contains((instrument.Meter.Name, instrument.Name)))
        {
            type = MetricType.Gauge;
        }

        (var suffix, scale) = instrument.Unit switch
        {
            "s" => ("_seconds", 1.0),
            "ms" => ("_seconds", 0.001),
            "us" or "μs" => ("_seconds", 0.000001),
            "ns" => ("_seconds", 0.000000001),
            "By" => ("_bytes", 1.0),
            "KiBy" => ("_bytes", 1024.0),
            "MiBy" => ("_bytes", 1024.0 * 1024),
            "1" when type == MetricType.Gauge => ("_ratio", 1.0),
            _ => (string.Empty, 1.0),
        };

        var name = MetricNames.Sanitize(instrument.Name);
        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }

        // Prometheus reserves these suffixes for histogram parts: a gauge like dotnet.timer.count becomes
        // dotnet_timer_current, a counter like dotnet.thread_pool.work_item.count becomes dotnet_thread_pool_work_item_total.
        foreach (var reserved in (string[])["_count", "_sum", "_bucket"])
        {
            if (type != MetricType.Histogram && name.EndsWith(reserved, StringComparison.Ordinal))
            {
                name = name[..^reserved.Length] + (type == MetricType.Counter ? string.Empty : "_current");
            }
        }

        if (type == MetricType.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    /// <summary>One bridged instrument and its series, keyed by their tags.</summary>
    private sealed class BridgedInstrument
    {
        private readonly Lock _lock = new();
        private readonly List<BridgedSeries> _series = [];
        private readonly double[] _buckets;
        private readonly double _scale;
        private readonly bool _cumulative;
        private byte[]? _nameBytes;

        private BridgedInstrument(string name, string help, MetricType type, double scale, bool cumulative, double[] buckets)
        {
            Name = name;
            Help = help;
            Type = type;
            _scale = scale;
            _cumulative = cumulative;
            _buckets = buckets;
        }

        public string Name { get; }

        private string Help { get; }

        private MetricType Type { get; }

        public static BridgedInstrument Create(Instrument instrument)
        {
            var name = PrometheusName(instrument, out var type, out var scale);
            var help = string.IsNullOrWhiteSpace(instrument.Description) ? $"{instrument.Name} from meter {instrument.Meter.Name}" : instrument.Description!;
            var cumulative = instrument.IsObservable; // observable counters report totals, not increments
            var buckets = DefaultSecondsBuckets;
            if (instrument is Histogram<double> doubleHistogram && doubleHistogram.Advice?.HistogramBucketBoundaries is { Count: > 0 } advised)
            {
                buckets = [.. advised.Select(b => b * scale)];
            }
            else if (!name.EndsWith("_seconds", StringComparison.Ordinal) && type == MetricType.Histogram)
            {
                buckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
            }

            return new BridgedInstrument(name, help, type, scale, cumulative, buckets);
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = Find(tags);
            value *= _scale;
            switch (Type)
            {
                case MetricType.Histogram:
                    series.Histogram!.Observe(value);
                    break;
                case MetricType.Counter when !_cumulative:
                    series.Gauge.Inc(value);
                    break;
                case MetricType.Gauge when !_cumulative && series.IsUpDown:
                    series.Gauge.Inc(value);
                    break;
                default:
                    series.Gauge.Set(value);
                    break;
            }
        }

        public double Sum()
        {
            lock (_lock)
            {
                return _series.Sum(s => s.Gauge.Value);
            }
        }

        public void Write(ExpositionWriter writer)
        {
            BridgedSeries[] all;
            lock (_lock)
            {
                all = [.. _series];
            }

            if (all.Length == 0)
            {
                return;
            }

            _nameBytes ??= Encoding.UTF8.GetBytes(Name);
            writer.WriteHeader(Name, Help, Type);
            foreach (var series in all)
            {
                if (series.Histogram is { } histogram)
                {
                    writer.WriteHistogramOf(_nameBytes, histogram);
                }
                else
                {
                    writer.WriteSample(_nameBytes, series.Gauge.EncodedLabels, series.Gauge.Value);
                }
            }
        }

        private BridgedSeries Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var current = Volatile.Read(ref _snapshot);
            foreach (var candidate in current)
            {
                if (candidate.Matches(tags))
                {
                    return candidate;
                }
            }

            lock (_lock)
            {
                foreach (var candidate in _series)
                {
                    if (candidate.Matches(tags))
                    {
                        return candidate;
                    }
                }

                var created = new BridgedSeries(Name, tags, Type, _buckets, isUpDown: !_cumulative && Type == MetricType.Gauge);
                _series.Add(created);
                Volatile.Write(ref _snapshot, [.. _series]);
                return created;
            }
        }

        private BridgedSeries[] _snapshot = [];
    }

    private sealed class BridgedSeries
    {
        private readonly KeyValuePair<string, string>[] _tags;

        public BridgedSeries(string name, ReadOnlySpan<KeyValuePair<string, object?>> tags, MetricType type, double[] buckets, bool isUpDown)
        {
            _tags = new KeyValuePair<string, string>[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                _tags[i] = new(tags[i].Key, tags[i].Value?.ToString() ?? string.Empty);
            }

            var ordered = _tags.OrderBy(t => t.Key, StringComparer.Ordinal).ToArray();
            var labelNames = ordered.Select(t => MetricNames.Sanitize(t.Key)).ToArray();
            var labelValues = ordered.Select(t => t.Value).ToArray();
            IsUpDown = isUpDown;
            Gauge = new Gauge(labelValues) { EncodedLabels = ExpositionWriter.EncodeLabels(labelNames, labelValues) };
            if (type == MetricType.Histogram)
            {
                Histogram = new Histogram(labelValues, buckets)
                {
                    EncodedLabels = Gauge.EncodedLabels,
                    EncodedBucketPrefixes = ExpositionWriter.EncodeBucketPrefixes(name, labelNames, labelValues, buckets),
                };
            }
        }

        public Gauge Gauge { get; }

        public Histogram? Histogram { get; }

        public bool IsUpDown { get; }

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != _tags.Length)
            {
                return false;
            }

            for (var i = 0; i < tags.Length; i++)
            {
                if (!string.Equals(tags[i].Key, _tags[i].Key, StringComparison.Ordinal) || !ValueEquals(tags[i].Value, _tags[i].Value))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool ValueEquals(object? value, string expected) => value switch
        {
            string s => string.Equals(s, expected, StringComparison.Ordinal),
            null => expected.Length == 0,
            _ => string.Equals(value.ToString(), expected, StringComparison.Ordinal),
        };
    }
}
