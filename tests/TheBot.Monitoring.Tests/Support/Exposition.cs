using System.Globalization;
using System.Text.RegularExpressions;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>Reads sample values out of a text exposition, for exact assertions.</summary>
public static partial class Exposition
{
    /// <summary>Value of the sample with this name and exactly these labels; null when absent.</summary>
    public static double? Value(string exposition, string name, params (string Name, string Value)[] labels)
    {
        foreach (var line in exposition.Split('\n'))
        {
            var match = SampleLine().Match(line);
            if (!match.Success || match.Groups["name"].Value != name)
            {
                continue;
            }

            var found = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (found.Count == labels.Length && labels.All(l => found.TryGetValue(l.Name, out var v) && v == l.Value))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>
    /// How much the sample with this name and exactly these labels grew from <paramref name="before"/> to
    /// <paramref name="after"/>; a sample absent from either counts as 0 there (a labelled series appears at its first event).
    /// </summary>
    public static double Delta(string before, string after, string name, params (string Name, string Value)[] labels) =>
        (Value(after, name, labels) ?? 0) - (Value(before, name, labels) ?? 0);

    /// <summary>Every distinct value of one label among the samples of a metric.</summary>
    public static IReadOnlySet<string> LabelValues(string exposition, string name, string label) =>
        exposition.Split('\n')
            .Select(line => SampleLine().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value == name)
            .SelectMany(m => LabelPair().Matches(m.Groups["labels"].Value))
            .Where(m => m.Groups[1].Value == label)
            .Select(m => m.Groups[2].Value)
            .ToHashSet();

    /// <summary>
    /// Every sample of the family <paramref name="family"/> (its own name, or a histogram's <c>_bucket</c>, <c>_sum</c>
    /// and <c>_count</c>), each as <c>name{label="value",...} value</c> with its labels in name order: one string per
    /// sample, so a whole family can be compared with the series a test expects, none missing and none extra.
    /// </summary>
    public static IReadOnlyList<string> Samples(string exposition, string family) =>
        exposition.Split('\n')
            .Select(line => SampleLine().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value is var name
                && (name == family || name == $"{family}_bucket" || name == $"{family}_sum" || name == $"{family}_count"))
            .Select(m => Sample(m.Groups["name"].Value,
                LabelPair().Matches(m.Groups["labels"].Value).Select(p => (p.Groups[1].Value, p.Groups[2].Value)),
                double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>One sample in the form <see cref="Samples"/> lists it.</summary>
    public static string Sample(string name, IEnumerable<(string Name, string Value)> labels, double value) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{name}{{{string.Join(',', labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}=\"{l.Value}\""))}}} {value}");

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(""""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"""")]
    private static partial Regex LabelPair();
}
