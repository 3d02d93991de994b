namespace TheBot.Monitoring.Metrics;

/// <summary>
/// Label values of one series, compared by value. Up to three values live in fields so that the
/// common lookups (one to three labels) allocate nothing.
/// </summary>
internal readonly record struct LabelKey(string? A, string? B, string? C, string[]? Rest)
{
    public static readonly LabelKey Empty = default;

    public static LabelKey From(ReadOnlySpan<string> values) => values.Length switch
    {
        0 => Empty,
        1 => new LabelKey(values[0], null, null, null),
        2 => new LabelKey(values[0], values[1], null, null),
        3 => new LabelKey(values[0], values[1], values[2], null),
        _ => new LabelKey(values[0], values[1], values[2], values[3..].ToArray()),
    };

    public string[] ToArray(int count)
    {
        var values = new string[count];
        if (count > 0) values[0] = A!;
        if (count > 1) values[1] = B!;
        if (count > 2) values[2] = C!;
        for (var i = 3; i < count; i++)
        {
            values[i] = Rest![i - 3];
        }

        return values;
    }

    public bool Equals(LabelKey other) =>
        string.Equals(A, other.A, StringComparison.Ordinal)
        && string.Equals(B, other.B, StringComparison.Ordinal)
        && string.Equals(C, other.C, StringComparison.Ordinal)
        && (Rest is null ? other.Rest is null : other.Rest is not null && Rest.AsSpan().SequenceEqual(other.Rest));

    public override int GetHashCode()
    {
        var hash = HashCode.Combine(A, B, C);
        if (Rest is not null)
        {
            foreach (var value in Rest)
            {
                hash = HashCode.Combine(hash, value);
            }
        }

        return hash;
    }
}
