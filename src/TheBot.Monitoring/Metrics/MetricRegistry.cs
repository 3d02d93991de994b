namespace TheBot.Monitoring.Metrics;

/// <summary>
/// Owns every metric family of a process and writes them out. Families are created once (at start-up)
/// and series are updated lock-free; only scrapes walk the registry.
/// </summary>
public sealed class MetricRegistry
{
    /// <summary>Default cap on series per family; combinations past it are folded into one overflow series.</summary>
    public const int DefaultMaxSeriesPerFamily = 10_000;

    private readonly Lock _lock = new();
    private readonly List<MetricFamily> _families = [];
    private readonly List<IMetricSource> _sources = [];
    private readonly int _maxSeriesPerFamily;
    private readonly System.Runtime.CompilerServices.StrongBox<bool> _exemplarsWanted = new();
    private Action<MetricFamily>? _familyAdded;

    /// <summary>Creates an empty registry.</summary>
    public MetricRegistry(int maxSeriesPerFamily = DefaultMaxSeriesPerFamily) => _maxSeriesPerFamily = maxSeriesPerFamily;

    /// <summary>Families registered so far.</summary>
    public IReadOnlyList<MetricFamily> Families
    {
        get
        {
            lock (_lock)
            {
                return [.. _families];
            }
        }
    }

    /// <summary>Creates (or returns the existing) counter family.</summary>
    public MetricFamily<Counter> Counter(string name, string help, params string[] labelNames) =>
        GetOrAdd(name, help, null, MetricType.Counter, labelNames, values => new Counter(values));

    /// <summary>
    /// Creates (or returns the existing) counter family published on the meter in <paramref name="unit"/>, e.g.
    /// <c>MetricUnit.Count("message")</c> for <c>thebot_messages_sent_total</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The unit disagrees with the one the name's suffix says.</exception>
    public MetricFamily<Counter> Counter(string name, string help, MetricUnit unit, params string[] labelNames) =>
        GetOrAdd(name, help, unit, MetricType.Counter, labelNames, values => new Counter(values));

    /// <summary>Creates (or returns the existing) gauge family.</summary>
    public MetricFamily<Gauge> Gauge(string name, string help, params string[] labelNames) =>
        GetOrAdd(name, help, null, MetricType.Gauge, labelNames, values => new Gauge(values));

    /// <summary>Creates (or returns the existing) gauge family published on the meter in <paramref name="unit"/>.</summary>
    /// <exception cref="ArgumentException">The unit disagrees with the one the name's suffix says.</exception>
    public MetricFamily<Gauge> Gauge(string name, string help, MetricUnit unit, params string[] labelNames) =>
        GetOrAdd(name, help, unit, MetricType.Gauge, labelNames, values => new Gauge(values));

    /// <summary>Creates (or returns the existing) histogram family with the given finite, increasing bucket bounds.</summary>
    public MetricFamily<Histogram> Histogram(string name, string help, double[] buckets, params string[] labelNames) =>
        CreateHistogram(name, help, null, buckets, exemplars: false, labelNames);

    /// <summary>
    /// Creates (or returns the existing) histogram family published on the meter in <paramref name="unit"/>, e.g.
    /// <c>MetricUnit.Count("row")</c> for a histogram of result sizes.
    /// </summary>
    /// <exception cref="ArgumentException">The unit disagrees with the one the name's suffix says, or the buckets are not finite and increasing.</exception>
    public MetricFamily<Histogram> Histogram(string name, string help, MetricUnit unit, double[] buckets, params string[] labelNames) =>
        CreateHistogram(name, help, unit, buckets, exemplars: false, labelNames);

    /// <summary>
    /// Like <see cref="Histogram(string, string, double[], string[])"/>, and each bucket also keeps the latest
    /// exemplar (trace and span id of <see cref="System.Diagnostics.Activity.Current"/>, value, time), recorded once
    /// any scrape has negotiated OpenMetrics or protobuf and written only in those formats (never in text 0.0.4).
    /// </summary>
    public MetricFamily<Histogram> HistogramWithExemplars(string name, string help, double[] buckets, params string[] labelNames) =>
        CreateHistogram(name, help, null, buckets, exemplars: true, labelNames);

    /// <summary>
    /// A duration histogram (values in seconds): the classic buckets and exemplars of
    /// <see cref="HistogramWithExemplars"/>, plus native (exponential) buckets at schema 3 (bounds 2^(1/8) apart) from
    /// 2^-20 s to 2^16 s with a zero bucket under 2^-20 s, written only in the protobuf format. Text and OpenMetrics
    /// scrapes see exactly the classic histogram. Costs a few ns and ~2.3 KB per series; see docs/metrics.md.
    /// </summary>
    public MetricFamily<Histogram> DurationHistogram(string name, string help, double[] buckets, params string[] labelNames) =>
        CreateHistogram(name, help, MetricUnit.Seconds, buckets, exemplars: true, labelNames, native: true);

    /// <summary>
    /// True once a scrape has negotiated OpenMetrics or protobuf: from then on histograms with exemplars record them. Before that
    /// (text-only scrapers) an observation pays one volatile read for them and nothing else.
    /// </summary>
    public bool ExemplarsWanted
    {
        get => Volatile.Read(ref _exemplarsWanted.Value);
        set => Volatile.Write(ref _exemplarsWanted.Value, value);
    }

    private MetricFamily<Histogram> CreateHistogram(string name, string help, MetricUnit? unit, double[] buckets, bool exemplars, string[] labelNames, bool native = false)
    {
        if (buckets.Length == 0 || buckets.Zip(buckets.Skip(1)).Any(pair => pair.First >= pair.Second) || buckets.Any(b => !double.IsFinite(b)))
        {
            throw new ArgumentException($"buckets of {name} must be finite and strictly increasing.", nameof(buckets));
        }

        var bounds = buckets.ToArray();
        return GetOrAdd(name, help, unit, MetricType.Histogram, labelNames,
            values => new Histogram(values, bounds, exemplars ? new ExemplarReservoir(bounds.Length + 1, _exemplarsWanted) : null, native ? new NativeBuckets() : null), bounds);
    }

    /// <summary>Adds a source of families computed at scrape time (e.g. bridged .NET meters).</summary>
    public void AddSource(IMetricSource source)
    {
        lock (_lock)
        {
            _sources.Add(source);
        }
    }

    /// <summary>
    /// Calls <paramref name="callback"/> for every family registered so far and for each one registered later (once
    /// each, under the registry's lock): how the families are published through System.Diagnostics.Metrics.
    /// </summary>
    internal void OnFamilyAdded(Action<MetricFamily> callback)
    {
        lock (_lock)
        {
            _familyAdded += callback;
            foreach (var family in _families)
            {
                callback(family);
            }
        }
    }

    /// <summary>Writes every family, then the end marker of the writer's format.</summary>
    public void WriteTo(ExpositionWriter writer)
    {
        MetricFamily[] families;
        IMetricSource[] sources;
        lock (_lock)
        {
            families = [.. _families];
            sources = [.. _sources];
        }

        foreach (var family in families)
        {
            family.Write(writer);
        }

        foreach (var source in sources)
        {
            source.Write(writer);
        }

        writer.WriteEnd();
    }

    private MetricFamily<TSeries> GetOrAdd<TSeries>(string name, string help, MetricUnit? unit, MetricType type, string[] labelNames, Func<string[], TSeries> create, double[]? buckets = null)
        where TSeries : Series
    {
        if (unit is { } given)
        {
            MetricUnit.ValidateFor(name, given);
        }

        lock (_lock)
        {
            var existing = _families.FirstOrDefault(f => f.Name == name);
            if (existing is MetricFamily<TSeries> same && same.LabelNames.SequenceEqual(labelNames) && MetricUnit.Effective(name, same.Unit) == MetricUnit.Effective(name, unit))
            {
                return same;
            }

            if (existing is not null)
            {
                throw new InvalidOperationException($"metric {name} is already registered with another type, other labels or another unit.");
            }

            // The unit is set before the family is announced, so the meter publishes it with the instrument.
            var family = new MetricFamily<TSeries>(name, help, type, labelNames, _maxSeriesPerFamily, create) { Buckets = buckets, Unit = unit };
            _families.Add(family);
            _familyAdded?.Invoke(family);
            return family;
        }
    }
}
