using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace TheBot.Monitoring.Metrics;

/// <summary>
/// Brings instruments of the framework's own meters (runtime, Kestrel, Npgsql's pool, …) into our exposition, named
/// as OpenTelemetry's conversion to Prometheus names them (<see cref="PrometheusName"/>), so a service that also runs
/// OpenTelemetry's Prometheus exporter shows each runtime metric under one name. Each instrument holds at most
/// <c>maxSeriesPerInstrument</c> series (further tag combinations fold into one series labelled
/// <c>otel_metric_overflow="true"</c>, OpenTelemetry's own overflow attribute). Our meter <c>TheBot.Monitoring</c> is
/// never bridged: it republishes the exposition's own families.
/// </summary>
public sealed class MeterBridge : IMetricSource, IDisposable
{
    private static readonly double[] DefaultSecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly Func<Instrument, bool> _include;
    private readonly int _maxSeries;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, BridgedInstrument> _byName = new(StringComparer.Ordinal);
    private BridgedInstrument[] _ordered = [];

    /// <summary>
    /// Listens to every instrument for which <paramref name="include"/> is true, among global meters and those
    /// created by <paramref name="meterFactory"/> (the host's): other hosts in the same process keep theirs.
    /// </summary>
    public MeterBridge(Func<Instrument, bool> include, object? meterFactory = null, int maxSeriesPerInstrument = MetricRegistry.DefaultMaxSeriesPerFamily)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSeriesPerInstrument, 1);
        _maxSeries = maxSeriesPerInstrument;
        // Our own meter republishes the exposition's families: bridging it back would write each of them twice.
        _include = instrument => (instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, meterFactory))
            && instrument.Meter.Name != Diagnostics.TheBotMeter.MeterName
            && include(instrument);
        _listener.InstrumentPublished = OnPublished;
        _listener.MeasurementsCompleted = (instrument, state) =>
        {
            lock (_lock)
            {
                var bridged = (BridgedInstrument)state!;
                if (_byName.TryGetValue(bridged.Name, out var current) && ReferenceEquals(current, bridged))
                {
                    _byName.Remove(bridged.Name);
                    _ordered = [.. _ordered.Where(i => !ReferenceEquals(i, bridged))];
                }
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
    public IReadOnlyList<string> FamilyNames => [.. Volatile.Read(ref _ordered).Select(i => i.Name)];

    /// <summary>The current value of a bridged gauge or counter series, summed over its series; null when unknown.</summary>
    public double? Sum(string familyName)
    {
        BridgedInstrument? found;
        lock (_lock)
        {
            _byName.TryGetValue(familyName, out found);
        }

        _listener.RecordObservableInstruments();
        return found?.Sum();
    }

    /// <summary>Series the bridge holds for one family (0 when unknown): what the per-instrument cap bounds.</summary>
    public int SeriesCount(string familyName)
    {
        lock (_lock)
        {
            return _byName.TryGetValue(familyName, out var found) ? found.SeriesCount : 0;
        }
    }

    /// <inheritdoc />
    public void Write(ExpositionWriter writer)
    {
        // Observable instruments (most runtime ones) report only when asked, i.e. at scrape time.
        _listener.RecordObservableInstruments();
        foreach (var instrument in Volatile.Read(ref _ordered))
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

        var bridged = BridgedInstrument.Create(instrument, _maxSeries);
        lock (_lock)
        {
            if (!_byName.TryAdd(bridged.Name, bridged))
            {
                return; // a second meter instance with the same instrument: keep the first, never emit a family twice
            }

            _ordered = [.. _ordered, bridged];
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

    /// <summary>
    /// Prometheus name for an instrument by OpenTelemetry's conversion (the specification's "Prometheus and OpenMetrics
    /// compatibility", as its Prometheus exporter and the Collector apply it): characters outside <c>[a-zA-Z0-9_:]</c>
    /// become underscores and runs of them one; the unit becomes a suffix unless the name already ends with it
    /// (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>, <c>1</c> on a gauge → <c>_ratio</c>, <c>a/b</c> →
    /// <c>_a_per_b</c>, annotations like <c>{request}</c> dropped); monotonic counters end in <c>_total</c>. E.g.
    /// <c>kestrel.connection.duration</c> (s) → <c>kestrel_connection_duration_seconds</c>,
    /// <c>dotnet.thread_pool.work_item.count</c> → <c>dotnet_thread_pool_work_item_count_total</c>.
    /// Two departures, both because <c>promtool check metrics</c> (which our exposition passes) rejects the converted
    /// name: a time or size in a non-base unit is scaled to the base unit (<c>ms</c> → <c>_seconds</c>, values / 1000;
    /// OpenTelemetry writes <c>_milliseconds</c>), and a gauge whose name would end in <c>_count</c>, <c>_sum</c> or
    /// <c>_bucket</c> (reserved for histogram parts) ends in <c>_current</c> instead (<c>dotnet.timer.count</c> →
    /// <c>dotnet_timer_current</c>). .NET's own meters record times in seconds, so only the second one shows.
    /// </summary>
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

        var name = CollapseUnderscores(MetricNames.Sanitize(instrument.Name));
        if (type == MetricType.Counter && name.EndsWith("_total", StringComparison.Ordinal))
        {
            name = name[..^"_total".Length]; // re-added after the unit, as OpenTelemetry does
        }

        var unit = PrometheusUnit(instrument.Unit, type, out scale);
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }

        if (type == MetricType.Gauge)
        {
            foreach (var reserved in (ReadOnlySpan<string>)["_count", "_sum", "_bucket"])
            {
                if (name.EndsWith(reserved, StringComparison.Ordinal))
                {
                    name = name[..^reserved.Length] + "_current";
                }
            }
        }

        return type == MetricType.Counter ? name + "_total" : name;
    }

    /// <summary>The unit suffix (without its underscore) for a UCUM unit; <paramref name="scale"/> converts to a base unit.</summary>
    private static string PrometheusUnit(string? ucum, MetricType type, out double scale)
    {
        scale = 1.0;
        if (string.IsNullOrWhiteSpace(ucum))
        {
            return string.Empty;
        }

        // Annotations ({request}, {thread}) carry no unit; "{packet}/s" keeps its "/s".
        var builder = new StringBuilder();
        var depth = 0;
        foreach (var c in ucum)
        {
            depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            if (depth == 0 && c != '}')
            {
                builder.Append(c);
            }
        }

        var unit = builder.ToString().Trim();
        if (unit == "1")
        {
            return type == MetricType.Gauge ? "ratio" : string.Empty;
        }

        var slash = unit.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var per = PerUnit(unit[(slash + 1)..]);
            var main = unit[..slash].Length == 0 ? string.Empty : MainUnit(unit[..slash], out _);
            return CollapseUnderscores(main.Length == 0 ? $"per_{per}" : $"{main}_per_{per}").Trim('_');
        }

        return MainUnit(unit, out scale);
    }

    private static string MainUnit(string unit, out double scale)
    {
        scale = 1.0;
        switch (unit)
        {
            case "ms": scale = 0.001; return "seconds";
            case "us" or "μs": scale = 0.000001; return "seconds";
            case "ns": scale = 0.000000001; return "seconds";
            case "KiBy": scale = 1024.0; return "bytes";
            case "MiBy": scale = 1024.0 * 1024; return "bytes";
            case "GiBy": scale = 1024.0 * 1024 * 1024; return "bytes";
            case "KBy": scale = 1000.0; return "bytes";
            case "MBy": scale = 1000.0 * 1000; return "bytes";
            case "GBy": scale = 1000.0 * 1000 * 1000; return "bytes";
        }

        return unit switch
        {
            "d" => "days",
            "h" => "hours",
            "min" => "minutes",
            "s" => "seconds",
            "By" => "bytes",
            "m" => "meters",
            "V" => "volts",
            "A" => "amperes",
            "J" => "joules",
            "W" => "watts",
            "g" => "grams",
            "Cel" => "celsius",
            "Hz" => "hertz",
            "%" => "percent",
            _ => CollapseUnderscores(MetricNames.Sanitize(unit)).Trim('_'),
        };
    }

    private static string PerUnit(string unit) => unit switch
    {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        _ => CollapseUnderscores(MetricNames.Sanitize(unit)).Trim('_'),
    };

    private static string CollapseUnderscores(string name)
    {
        if (!name.Contains("__", StringComparison.Ordinal))
        {
            return name;
        }

        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c != '_' || builder.Length == 0 || builder[^1] != '_')
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>One bridged instrument and its series, found by their tags with one dictionary probe.</summary>
    private sealed class BridgedInstrument
    {
        /// <summary>OpenTelemetry's attribute for the series that takes every combination past the cap.</summary>
        private static readonly BridgedTagSet OverflowTags = BridgedTagSet.Of(new KeyValuePair<string, object?>("otel.metric.overflow", true));

        private readonly Lock _lock = new();
        private readonly ConcurrentDictionary<BridgedTagSet, BridgedSeries> _series = new(BridgedTagSet.Comparer);
        private readonly ConcurrentDictionary<BridgedTagSet, BridgedSeries>.AlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>> _lookup;
        private readonly double[] _buckets;
        private readonly double _scale;
        private readonly bool _cumulative;
        private readonly bool _upDown;
        private readonly int _maxSeries;
        private BridgedSeries[] _snapshot = [];
        private BridgedSeries? _overflow;
        private byte[]? _nameBytes;

        private BridgedInstrument(string name, string help, MetricType type, double scale, bool cumulative, bool upDown, double[] buckets, int maxSeries)
        {
            Name = name;
            Help = help;
            Type = type;
            _scale = scale;
            _cumulative = cumulative;
            _upDown = upDown;
            _buckets = buckets;
            _maxSeries = maxSeries;
            _lookup = _series.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
        }

        public string Name { get; }

        public int SeriesCount => Volatile.Read(ref _snapshot).Length;

        private string Help { get; }

        private MetricType Type { get; }

        public static BridgedInstrument Create(Instrument instrument, int maxSeries)
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

            // A synchronous Gauge<T> reports the value itself, as an observable gauge does: its last reading is the
            // value. Only the other synchronous gauges (UpDownCounters, counters that go down) report increments.
            var upDown = !cumulative && type == MetricType.Gauge
                && !(instrument.GetType() is { IsGenericType: true } generic && generic.GetGenericTypeDefinition() == typeof(Gauge<>));
            return new BridgedInstrument(name, help, type, scale, cumulative, upDown, buckets, maxSeries);
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = _lookup.TryGetValue(tags, out var found) ? found : Add(tags);
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
                case MetricType.Counter when series.IsOverflow:
                    // Several combinations report their totals here: keep the largest rather than the last, so the
                    // folded counter never goes down.
                    series.Gauge.Set(Math.Max(series.Gauge.Value, value));
                    break;
                default:
                    series.Gauge.Set(value);
                    break;
            }
        }

        public double Sum() => Volatile.Read(ref _snapshot).Sum(s => s.Gauge.Value);

        public void Write(ExpositionWriter writer)
        {
            var all = Volatile.Read(ref _snapshot);
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
                    writer.WriteSeries(_nameBytes, series.Gauge, series.Gauge.Value);
                }
            }
        }

        private BridgedSeries Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (Volatile.Read(ref _overflow) is { } full)
            {
                return full; // past the cap: no lock, no allocation for the tags that keep coming
            }

            lock (_lock)
            {
                if (_lookup.TryGetValue(tags, out var existing))
                {
                    return existing;
                }

                var set = BridgedTagSet.From(tags);
                var overflow = _series.Count >= _maxSeries;
                if (overflow)
                {
                    set = OverflowTags;
                }

                var created = new BridgedSeries(Name, set, Type, _buckets, isUpDown: _upDown, overflow);
                _series[set] = created;
                Volatile.Write(ref _snapshot, [.. _snapshot, created]);
                if (overflow)
                {
                    Volatile.Write(ref _overflow, created);
                }

                return created;
            }
        }
    }

    private sealed class BridgedSeries
    {
        public BridgedSeries(string name, BridgedTagSet tags, MetricType type, double[] buckets, bool isUpDown, bool isOverflow)
        {
            var ordered = tags.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).ToArray();
            var labelNames = ordered.Select(t => MetricNames.Sanitize(t.Key)).ToArray();
            var labelValues = ordered.Select(t => t.Value).ToArray();
            IsUpDown = isUpDown;
            IsOverflow = isOverflow;
            Gauge = new Gauge(labelValues)
            {
                EncodedLabels = ExpositionWriter.EncodeLabels(labelNames, labelValues),
                EncodedLabelPairs = ProtobufBuffer.EncodeLabelPairs(labelNames, labelValues),
            };
            if (type == MetricType.Histogram)
            {
                Histogram = new Histogram(labelValues, buckets)
                {
                    EncodedLabels = Gauge.EncodedLabels,
                    EncodedLabelPairs = Gauge.EncodedLabelPairs,
                };
                (Histogram.EncodedBucketPrefixes, Histogram.EncodedOpenMetricsBucketPrefixes) =
                    ExpositionWriter.EncodeBucketPrefixes(name, labelNames, labelValues, buckets);
            }
        }

        public Gauge Gauge { get; }

        public Histogram? Histogram { get; }

        public bool IsUpDown { get; }

        public bool IsOverflow { get; }
    }
}
