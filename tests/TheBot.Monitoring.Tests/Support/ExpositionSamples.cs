using System.Globalization;

namespace TheBot.Monitoring.Tests.Support;

public static partial class Exposition
{
    /// <summary>Every sample line of a text exposition: name, labels and value.</summary>
    public static IReadOnlyList<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> Samples(string exposition) =>
        exposition.Split('\n')
            .Select(line => SampleLine().Match(line))
            .Where(m => m.Success)
            .Select(m => (
                m.Groups["name"].Value,
                (IReadOnlyDictionary<string, string>)LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(p => p.Groups[1].Value, p => p.Groups[2].Value),
                double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))
            .ToList();
}
