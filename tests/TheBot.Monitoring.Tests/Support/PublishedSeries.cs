using System.Globalization;
using TheBot.Monitoring.Diagnostics;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>
/// What one series holds, in a shape both sides of a comparison can fill: the Prometheus exposition (parsed from its
/// text) and a System.Diagnostics.Metrics listener (OpenTelemetry's exporter, MetricCollector). Keyed by instrument
/// name, then by the series' attributes written <c>name=value</c> sorted and joined with <c>;</c>.
/// </summary>
public sealed record PublishedSeries(double Value, long Count, double Sum, IReadOnlyList<long> CumulativeBuckets)
{
    public static PublishedSeries Scalar(double value) => new(value, 0, 0, []);

    public static string Key(IEnumerable<KeyValuePair<string, object?>> attributes) =>
        string.Join(";", attributes.Select(a => $"{a.Key}={Convert.ToString(a.Value, CultureInfo.InvariantCulture)}").Order(StringComparer.Ordinal));

    /// <summary>
    /// Every thebot_* series of the exposition, under the instrument name and attribute names it is published with.
    /// The instrument names come from the library's table; the tests that use this also pin some of them literally.
    /// </summary>
    public static Dictionary<string, Dictionary<string, PublishedSeries>> FromExposition(string exposition, MetricRegistry registry)
    {
        var result = new Dictionary<string, Dictionary<string, PublishedSeries>>(StringComparer.Ordinal);
        var samples = Exposition.Samples(exposition);
        foreach (var family in registry.Families.Where(f => f.Name.StartsWith("thebot_", StringComparison.Ordinal)))
        {
            var published = InstrumentNames.For(family);
            string KeyOf(IReadOnlyDictionary<string, string> labels) =>
                Key(family.LabelNames.Select((label, i) => new KeyValuePair<string, object?>(published.Attributes[i], labels[label])));

            var series = new Dictionary<string, PublishedSeries>(StringComparer.Ordinal);
            if (family.Type == MetricType.Histogram)
            {
                foreach (var count in samples.Where(s => s.Name == family.Name + "_count"))
                {
                    var labels = count.Labels;
                    bool Same((string Name, IReadOnlyDictionary<string, string> Labels, double Value) s) =>
                        family.LabelNames.All(l => s.Labels.TryGetValue(l, out var v) && v == labels[l]);
                    var sum = samples.Single(s => s.Name == family.Name + "_sum" && Same(s)).Value;
                    var buckets = samples.Where(s => s.Name == family.Name + "_bucket" && Same(s) && s.Labels["le"] != "+Inf")
                        .Select(s => (long)s.Value).ToList();
                    series[KeyOf(labels)] = new PublishedSeries(0, (long)count.Value, sum, buckets);
                }
            }
            else
            {
                foreach (var sample in samples.Where(s => s.Name == family.Name))
                {
                    series[KeyOf(sample.Labels)] = Scalar(sample.Value);
                }
            }

            if (series.Count > 0)
            {
                result[published.Name] = series;
            }
        }

        return result;
    }

    /// <summary>Asserts both sides hold the same instruments, series and values (sums to 1e-9).</summary>
    public static void AssertSame(Dictionary<string, Dictionary<string, PublishedSeries>> expected, Dictionary<string, Dictionary<string, PublishedSeries>> actual)
    {
        Xunit.Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (instrument, series) in expected)
        {
            Xunit.Assert.True(series.Keys.Order(StringComparer.Ordinal).SequenceEqual(actual[instrument].Keys.Order(StringComparer.Ordinal)),
                $"{instrument}: exposition has [{string.Join(" | ", series.Keys)}], the listener [{string.Join(" | ", actual[instrument].Keys)}]");
            foreach (var (key, want) in series)
            {
                var got = actual[instrument][key];
                var where = $"{instrument} {{{key}}}";
                Xunit.Assert.True(want.Value == got.Value, $"{where}: value {want.Value} in the exposition, {got.Value} seen by the listener");
                Xunit.Assert.True(want.Count == got.Count, $"{where}: count {want.Count} in the exposition, {got.Count} seen by the listener");
                Xunit.Assert.True(Math.Abs(want.Sum - got.Sum) <= 1e-9, $"{where}: sum {want.Sum} in the exposition, {got.Sum} seen by the listener");
                if (got.CumulativeBuckets.Count > 0)
                {
                    Xunit.Assert.Equal(want.CumulativeBuckets, got.CumulativeBuckets);
                }
            }
        }
    }
}
