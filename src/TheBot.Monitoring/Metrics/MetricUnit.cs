namespace TheBot.Monitoring.Metrics;

/// <summary>
/// The UCUM unit a family is published with on the meter <c>TheBot.Monitoring</c> (what OpenTelemetry exports as
/// the instrument's unit): <c>s</c>, <c>By</c>, <c>1</c>, or an annotation in braces such as <c>{message}</c> for a
/// count of things. The Prometheus exposition does not change: its unit, if any, is the name's suffix.
/// </summary>
/// <remarks>
/// A family registered without one is published with the unit its name's suffix implies (<c>_seconds</c> → <c>s</c>,
/// <c>_bytes</c> → <c>By</c>, <c>_ratio</c> → <c>1</c>) or with none.
/// </remarks>
public readonly record struct MetricUnit
{
    private static readonly (string Suffix, string Ucum)[] NameSuffixes = [("_seconds", "s"), ("_bytes", "By"), ("_ratio", "1")];

    private MetricUnit(string ucum) => Ucum = ucum;

    /// <summary>Seconds (<c>s</c>), for names ending in <c>_seconds</c>.</summary>
    public static MetricUnit Seconds { get; } = new("s");

    /// <summary>Bytes (<c>By</c>), for names ending in <c>_bytes</c>.</summary>
    public static MetricUnit Bytes { get; } = new("By");

    /// <summary>A dimensionless ratio (<c>1</c>), for names ending in <c>_ratio</c> and for 0/1 gauges.</summary>
    public static MetricUnit Ratio { get; } = new("1");

    /// <summary>The UCUM text, e.g. <c>s</c> or <c>{message}</c>.</summary>
    public string Ucum { get; }

    /// <summary>A count of <paramref name="thing"/>: <c>Count("message")</c> is <c>{message}</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="thing"/> is empty or holds a brace or white space.</exception>
    public static MetricUnit Count(string thing)
    {
        ArgumentException.ThrowIfNullOrEmpty(thing);
        if (thing.Any(c => c is '{' or '}' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"'{thing}' cannot be a unit annotation: braces, white space and control characters are not allowed.", nameof(thing));
        }

        return new MetricUnit("{" + thing + "}");
    }

    /// <inheritdoc />
    public override string ToString() => Ucum ?? string.Empty;

    /// <summary>The unit a Prometheus name's suffix implies, and the name without it (<paramref name="stem"/>).</summary>
    internal static MetricUnit? FromNameSuffix(string name, out string stem)
    {
        foreach (var (suffix, ucum) in NameSuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                stem = name[..^suffix.Length];
                return new MetricUnit(ucum);
            }
        }

        stem = name;
        return null;
    }

    /// <summary>The unit <paramref name="name"/> is published in: <paramref name="given"/>, else what its suffix says.</summary>
    internal static MetricUnit? Effective(string name, MetricUnit? given) =>
        given ?? FromNameSuffix(name.EndsWith("_total", StringComparison.Ordinal) ? name[..^"_total".Length] : name, out _);

    /// <summary>
    /// Checks that <paramref name="unit"/> is a real unit (not <c>default</c>) and agrees with the unit the family's
    /// name says; <c>thebot_x_seconds</c> published in <c>ms</c> would mislead every OpenTelemetry backend.
    /// </summary>
    internal static void ValidateFor(string name, MetricUnit unit)
    {
        if (unit.Ucum is null)
        {
            throw new ArgumentException($"the unit of {name} is empty; use MetricUnit.Seconds, Bytes, Ratio or Count(\"thing\").", nameof(unit));
        }

        if (Effective(name, null) is { } implied && implied != unit)
        {
            throw new ArgumentException($"{name} says its unit is {implied.Ucum} by its name, not {unit.Ucum}.", nameof(unit));
        }
    }
}
