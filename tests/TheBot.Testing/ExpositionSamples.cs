using System.Globalization;
using System.Text;

namespace TheBot.Testing;

/// <summary>
/// Reads the samples of a Prometheus text (0.0.4) or OpenMetrics exposition, as every suite that scrapes needs to:
/// comments and blank lines are skipped; a sample is its series as written (name and label set), then its value, then
/// optionally a timestamp and an OpenMetrics exemplar (<c># {…} value</c>), which are ignored. A label value may hold
/// spaces, braces and escaped quotes. One reader, so the suites agree on what a line says.
/// </summary>
public static class ExpositionSamples
{
    /// <summary>Every sample line of <paramref name="text"/>, in order.</summary>
    public static IEnumerable<ExpositionSample> Read(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length > 0 && line[0] != '#')
            {
                yield return ParseLine(line);
            }
        }
    }

    /// <summary>Series as written → value; a series written twice keeps its last value.</summary>
    public static Dictionary<string, double> Series(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var sample in Read(text))
        {
            series[sample.Series] = sample.Value;
        }

        return series;
    }

    /// <summary>The value of the first sample of the metric <paramref name="name"/> (any labels), null when there is none.</summary>
    public static double? First(string text, string name) =>
        Read(text).FirstOrDefault(s => s.Name == name) is { } sample ? sample.Value : null;

    /// <summary>Parses one sample line; throws <see cref="FormatException"/> naming the line when it is not one.</summary>
    public static ExpositionSample ParseLine(string line)
    {
        var nameEnd = line.IndexOfAny([' ', '{']);
        if (nameEnd <= 0)
        {
            throw new FormatException($"not a sample line: '{line}'");
        }

        var seriesEnd = nameEnd;
        if (line[nameEnd] == '{')
        {
            var quoted = false;
            for (seriesEnd = nameEnd + 1; seriesEnd < line.Length; seriesEnd++)
            {
                var c = line[seriesEnd];
                if (quoted && c == '\\')
                {
                    seriesEnd++;
                }
                else if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (c == '}' && !quoted)
                {
                    break;
                }
            }

            if (seriesEnd >= line.Length)
            {
                throw new FormatException($"label set not closed: '{line}'");
            }

            seriesEnd++;
        }

        var rest = line[seriesEnd..].TrimStart();
        var valueEnd = rest.IndexOf(' ');
        var token = valueEnd < 0 ? rest : rest[..valueEnd];
        var value = token switch
        {
            "+Inf" or "Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ when double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
            _ => throw new FormatException($"no value after the series: '{line}'"),
        };
        return new ExpositionSample(line[..seriesEnd], line[..nameEnd], value);
    }
}

/// <summary>One sample: the series as written (<c>name{labels}</c>), the metric name, and the value.</summary>
public sealed record ExpositionSample(string Series, string Name, double Value)
{
    /// <summary>The value of the label <paramref name="label"/> (unescaped), or null when the series has no such label.</summary>
    public string? Label(string label)
    {
        var i = Name.Length;
        if (i >= Series.Length || Series[i] != '{')
        {
            return null;
        }

        i++;
        while (i < Series.Length && Series[i] != '}')
        {
            var equals = Series.IndexOf('=', i);
            var key = Series[i..equals].Trim().Trim(',').Trim();
            var value = new StringBuilder();
            for (i = equals + 2; i < Series.Length && Series[i] != '"'; i++)
            {
                if (Series[i] == '\\')
                {
                    i++;
                    value.Append(Series[i] == 'n' ? '\n' : Series[i]);
                }
                else
                {
                    value.Append(Series[i]);
                }
            }

            if (key == label)
            {
                return value.ToString();
            }

            i++; // past the closing quote, onto ',' or '}'
            if (i < Series.Length && Series[i] == ',')
            {
                i++;
            }
        }

        return null;
    }
}
