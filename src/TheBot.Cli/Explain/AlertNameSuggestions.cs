namespace TheBot.Cli.Explain;

/// <summary>The alert names an operator probably meant when the one typed is not a rule's: the "did you mean" of <c>explain</c>.</summary>
internal static class AlertNameSuggestions
{
    /// <summary>
    /// Known names that contain the typed one or are contained in it (<c>HighLatency</c>), or are a few edits away from
    /// it, case ignored (<c>BackendHighLatncy</c>, <c>PostgresDown</c>): at most one edit per five characters, at least
    /// two. Closest first.
    /// </summary>
    public static IReadOnlyList<string> Close(string typed, IEnumerable<string> known)
    {
        var wanted = typed.ToLowerInvariant();
        var allowed = Math.Max(2, wanted.Length / 5);
        return [.. known
            .Select(name => (Name: name, Distance: name.Contains(typed, StringComparison.OrdinalIgnoreCase) || typed.Contains(name, StringComparison.OrdinalIgnoreCase)
                ? 0
                : Distance(wanted, name.ToLowerInvariant())))
            .Where(candidate => candidate.Distance <= allowed)
            .OrderBy(candidate => candidate.Distance)
            .ThenBy(candidate => candidate.Name, StringComparer.Ordinal)
            .Select(candidate => candidate.Name)];
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions, one row at a time.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
