using TheBot.Testing;

namespace TheBot.Platform.Tests.Support;

/// <summary>One scrape of a Prometheus text exposition: series (name plus labels, as written) → value.</summary>
public sealed class MetricsSnapshot(IReadOnlyDictionary<string, double> series, string text)
{
    public string Text => text;

    public IReadOnlyDictionary<string, double> Series => series;

    public static MetricsSnapshot Parse(string text) => new(ExpositionSamples.Series(text), text);

    /// <summary>Value of a series (0 when absent), e.g. <c>thebot_messages_sent_total{chat_type="group"}</c>.</summary>
    public double this[string key] => series.TryGetValue(key, out var value) ? value : 0;

    /// <summary>Sum over the series of a family whose labels contain every one of <paramref name="labels"/> (e.g. <c>status="503"</c>).</summary>
    public double Sum(string family, params string[] labels) => series
        .Where(s => (s.Key == family || s.Key.StartsWith(family + "{", StringComparison.Ordinal)) && labels.All(l => s.Key.Contains(l, StringComparison.Ordinal)))
        .Sum(s => s.Value);

    public bool HasFamily(string family) => text.Contains($"# TYPE {family} ", StringComparison.Ordinal);

    /// <summary>What changed from <paramref name="before"/> to <paramref name="after"/>, for a series.</summary>
    public static double Delta(MetricsSnapshot before, MetricsSnapshot after, string key) => after[key] - before[key];
}
