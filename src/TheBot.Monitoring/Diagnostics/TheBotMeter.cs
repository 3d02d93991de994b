using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Diagnostics;

/// <summary>
/// Publishes every family of the <see cref="MetricRegistry"/> on the meter <c>TheBot.Monitoring</c>, created through
/// the host's <see cref="IMeterFactory"/>, so OpenTelemetry (<c>.AddMeter("TheBot.Monitoring")</c>), dotnet-counters
/// and <c>MetricCollector&lt;T&gt;</c> see the same numbers as the Prometheus exposition. Counters and gauges are
/// observable instruments that read the existing series when a listener collects, so requests pay nothing for them.
/// A histogram cannot be observed after the fact, so each histogram series also records to a Meter histogram, and
/// only while a listener has enabled it (<see cref="MeterHistogramLink"/>). Names: <see cref="InstrumentNames"/>.
/// </summary>
internal sealed class TheBotMeter
{
    /// <summary>The meter's name, what <c>AddMeter</c> takes.</summary>
    public const string MeterName = "TheBot.Monitoring";

    private readonly Meter _meter;

    // Attributes of a series never change: built once per series, at the first collection that sees it.
    private readonly ConcurrentDictionary<Series, KeyValuePair<string, object?>[]> _attributes = new(ReferenceEqualityComparer.Instance);

    public TheBotMeter(IMeterFactory meterFactory, MetricRegistry registry)
    {
        _meter = meterFactory.Create(new MeterOptions(MeterName)
        {
            Version = typeof(TheBotMeter).Assembly.GetName().Version?.ToString(),
        });
        registry.OnFamilyAdded(Publish);
    }

    /// <summary>The meter the families are published on.</summary>
    public Meter Meter => _meter;

    private void Publish(MetricFamily family)
    {
        var published = InstrumentNames.For(family);
        switch (family)
        {
            case MetricFamily<Counter> counters:
                _meter.CreateObservableCounter(published.Name, () => Observe(counters, published, static c => c.Value), published.Unit, family.Help);
                break;
            case MetricFamily<Gauge> gauges when published.Kind == InstrumentKind.UpDownCounter:
                _meter.CreateObservableUpDownCounter(published.Name, () => Observe(gauges, published, static g => g.Value), published.Unit, family.Help);
                break;
            case MetricFamily<Gauge> gauges:
                _meter.CreateObservableGauge(published.Name, () => Observe(gauges, published, static g => g.Value), published.Unit, family.Help);
                break;
            case MetricFamily<Histogram> histograms:
                // Our bounds become the advised buckets, so an OpenTelemetry histogram has exactly the exposition's.
                // Created here, at registration (start-up), so a request that creates a series only links it.
                var instrument = _meter.CreateHistogram(published.Name, published.Unit, family.Help, tags: null,
                    advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [.. histograms.Buckets ?? []] });
                histograms.OnSeriesCreated(series => series.MeterLink = new MeterHistogramLink(instrument, AttributesOf(series, published)));
                break;
        }
    }

    private Measurement<T>[] Observe<TSeries, T>(MetricFamily<TSeries> family, PublishedInstrument published, Func<TSeries, T> read)
        where TSeries : Series
        where T : struct
    {
        var all = family.Series;
        var measurements = new Measurement<T>[all.Count];
        for (var i = 0; i < measurements.Length; i++)
        {
            var series = all[i];
            measurements[i] = new Measurement<T>(read(series), _attributes.GetOrAdd(series, static (s, p) => AttributesOf(s, p), published));
        }

        return measurements;
    }

    private static KeyValuePair<string, object?>[] AttributesOf(Series series, PublishedInstrument published)
    {
        var attributes = new KeyValuePair<string, object?>[published.Attributes.Length];
        for (var i = 0; i < attributes.Length; i++)
        {
            var value = series.LabelValues[i];
            // http.response.status_code is an int in the conventions; the overflow series' "__overflow__" stays a string.
            object boxed = published.IntegerAttributes.Contains(published.Attributes[i])
                && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : value;
            attributes[i] = new(published.Attributes[i], boxed);
        }

        return attributes;
    }
}
