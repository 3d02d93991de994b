using System.Collections.Concurrent;

namespace TheBot.Monitoring.Metrics;

/// <summary>A named metric with its help text, type and label names; what the exposition writes one block for.</summary>
public abstract class MetricFamily
{
    private protected MetricFamily(string name, string help, MetricType type, string[] labelNames)
    {
        MetricNames.Validate(name, type);
        foreach (var label in labelNames)
        {
            MetricNames.ValidateLabel(label);
        }

        Name = name;
        Help = help;
        Type = type;
        LabelNames = labelNames;
    }

    /// <summary>The metric name, e.g. <c>thebot_http_requests_total</c>.</summary>
    public string Name { get; }

    /// <summary>One line that says what the metric means.</summary>
    public string Help { get; }

    /// <summary>Counter, gauge or histogram.</summary>
    public MetricType Type { get; }

    /// <summary>Label names, in order.</summary>
    public IReadOnlyList<string> LabelNames { get; }

    /// <summary>
    /// The unit given at registration, published on the meter; null when none was given (the name's suffix then
    /// decides, see <see cref="MetricUnit"/>).
    /// </summary>
    public MetricUnit? Unit { get; internal init; }

    internal abstract void Write(ExpositionWriter writer);
}

/// <summary>
/// A family whose series are created on first use of a label-value combination and then reused.
/// Callers on hot paths keep the returned series instead of looking it up again.
/// </summary>
/// <typeparam name="TSeries">Counter, gauge or histogram.</typeparam>
public sealed class MetricFamily<TSeries> : MetricFamily where TSeries : Series
{
    /// <summary>Label value given to every new combination once a family holds <c>MaxSeries</c> series.</summary>
    public const string OverflowLabelValue = "__overflow__";

    private readonly ConcurrentDictionary<LabelKey, TSeries> _series = new();
    private readonly Func<string[], TSeries> _create;
    private readonly int _maxSeries;
    private readonly Lock _createLock = new();
    private TSeries[] _ordered = [];
    private Action<TSeries>? _seriesCreated;

    internal MetricFamily(string name, string help, MetricType type, string[] labelNames, int maxSeries, Func<string[], TSeries> create)
        : base(name, help, type, labelNames)
    {
        _create = create;
        _maxSeries = maxSeries;
    }

    /// <summary>A histogram family's bucket bounds (null for counters and gauges).</summary>
    internal IReadOnlyList<double>? Buckets { get; init; }

    /// <summary>Every series of the family, in creation order.</summary>
    public IReadOnlyList<TSeries> Series => Volatile.Read(ref _ordered);

    /// <summary>The series of a family that has no labels.</summary>
    public TSeries Unlabelled() => Get(LabelKey.Empty);

    /// <summary>The series for one label value.</summary>
    public TSeries WithLabels(string a) => Get(new LabelKey(a, null, null, null));

    /// <summary>The series for two label values.</summary>
    public TSeries WithLabels(string a, string b) => Get(new LabelKey(a, b, null, null));

    /// <summary>The series for three label values.</summary>
    public TSeries WithLabels(string a, string b, string c) => Get(new LabelKey(a, b, c, null));

    /// <summary>The series for any number of label values.</summary>
    public TSeries WithLabels(params string[] values) => Get(LabelKey.From(values));

    /// <summary>
    /// Calls <paramref name="callback"/> for every existing series and then for each new one before it is handed out;
    /// under the creation lock, so no series is missed or seen before the callback ran.
    /// </summary>
    internal void OnSeriesCreated(Action<TSeries> callback)
    {
        lock (_createLock)
        {
            _seriesCreated += callback;
            foreach (var series in _ordered)
            {
                callback(series);
            }
        }
    }

    private TSeries Get(LabelKey key) => _series.TryGetValue(key, out var series) ? series : Create(key);

    private TSeries Create(LabelKey key)
    {
        lock (_createLock)
        {
            if (_series.TryGetValue(key, out var existing))
            {
                return existing;
            }

            var values = key.ToArray(LabelNames.Count);
            if (values.Length != LabelNames.Count || values.Any(v => v is null))
            {
                throw new ArgumentException($"{Name} takes {LabelNames.Count} label value(s): {string.Join(", ", LabelNames)}.");
            }

            if (_series.Count >= _maxSeries)
            {
                // Unbounded label values would grow memory and every scrape without limit: fold the excess into one series.
                var overflow = Enumerable.Repeat(OverflowLabelValue, LabelNames.Count).ToArray();
                var overflowKey = LabelKey.From(overflow);
                if (_series.TryGetValue(overflowKey, out var folded))
                {
                    return folded;
                }

                key = overflowKey;
                values = overflow;
            }

            var series = _create(values);
            series.EncodedLabels = ExpositionWriter.EncodeLabels(LabelNames, values);
            series.EncodedLabelPairs = ProtobufBuffer.EncodeLabelPairs(LabelNames, values);
            if (series is Histogram histogram)
            {
                (histogram.EncodedBucketPrefixes, histogram.EncodedOpenMetricsBucketPrefixes) =
                    ExpositionWriter.EncodeBucketPrefixes(Name, LabelNames, values, histogram.UpperBounds);
            }

            _seriesCreated?.Invoke(series); // before anyone can record to it
            _series[key] = series;
            Volatile.Write(ref _ordered, [.. _ordered, series]);
            return series;
        }
    }

    internal override void Write(ExpositionWriter writer)
    {
        // HELP and TYPE even before the first series: a reader (or a test of the exposition) sees that the family is
        // instrumented, and its samples appear under it at the first event.
        var all = Series;
        writer.WriteHeader(Name, Help, Type);
        var nameBytes = writer.NameBytes(this);
        foreach (var series in all)
        {
            switch (series)
            {
                case Counter counter:
                    writer.WriteSeries(nameBytes, series, counter.Value);
                    break;
                case Gauge gauge:
                    writer.WriteSeries(nameBytes, series, gauge.Value);
                    break;
                case Histogram histogram:
                    writer.WriteHistogram(this, histogram);
                    break;
            }
        }
    }
}
