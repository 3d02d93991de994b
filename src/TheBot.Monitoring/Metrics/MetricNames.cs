using System.Text;

namespace TheBot.Monitoring.Metrics;

/// <summary>The naming rules of Prometheus, enforced when a family is created.</summary>
internal static class MetricNames
{
    public static void Validate(string name, MetricType type)
    {
        if (string.IsNullOrEmpty(name) || !IsValid(name, allowColon: true))
        {
            throw new ArgumentException($"'{name}' is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*).", nameof(name));
        }

        if (type == MetricType.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            throw new ArgumentException($"counter '{name}' must end in _total.", nameof(name));
        }
    }

    public static void ValidateLabel(string label)
    {
        if (string.IsNullOrEmpty(label) || !IsValid(label, allowColon: false) || label.StartsWith("__", StringComparison.Ordinal) || label == "le")
        {
            throw new ArgumentException($"'{label}' is not a usable label name.", nameof(label));
        }
    }

    /// <summary>Turns any instrument or tag name into a valid Prometheus name (dots and dashes become underscores).</summary>
    public static string Sanitize(string raw)
    {
        var builder = new StringBuilder(raw.Length);
        foreach (var c in raw)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    private static bool IsValid(string name, bool allowColon)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
