using System.Collections.Concurrent;
using System.Globalization;
using TheBot.Cli.Load;

namespace TheBot.Detection.Tests;

/// <summary>
/// Answers counted by request kind and HTTP status (0 = no answer: timeout or connection error), thread-safe, for the
/// 5xx columns of docs/detection.md. Fed by the suites' own request loops and by <c>./thebot load</c> results.
/// </summary>
internal sealed class StatusTally
{
    private readonly ConcurrentDictionary<(string Kind, int Status), long> _counts = new();
    private readonly ConcurrentDictionary<string, double> _slowest = new();

    public void Add(string kind, int status, double milliseconds)
    {
        _counts.AddOrUpdate((kind, status), 1, (_, n) => n + 1);
        _slowest.AddOrUpdate(kind, milliseconds, (_, old) => Math.Max(old, milliseconds));
    }

    /// <summary>Every finished request of a load run, by its kind (setup requests as <c>setup</c>).</summary>
    public void Add(LoadResult result)
    {
        foreach (var sample in result.Samples.Concat(result.Setup))
        {
            Add(sample.Kind, sample.Status, sample.Milliseconds);
        }
    }

    /// <summary>Requests answered (or not) of the given kinds (all kinds when none are named).</summary>
    public long Total(params string[] kinds) => Sum(kinds, _ => true);

    /// <summary>Answers 500-599 of the given kinds (all kinds when none are named).</summary>
    public long ServerErrors(params string[] kinds) => Sum(kinds, s => s >= 500);

    /// <summary>Requests without an answer (timeout, connection refused or reset) of the given kinds.</summary>
    public long Unanswered(params string[] kinds) => Sum(kinds, s => s == 0);

    /// <summary>Answers with exactly <paramref name="status"/> of the given kinds.</summary>
    public long WithStatus(int status, params string[] kinds) => Sum(kinds, s => s == status);

    /// <summary>"kind: n × 200, m × 503 (slowest x ms); …", kinds in name order.</summary>
    public string Describe(params string[] kinds)
    {
        var chosen = _counts.Keys.Select(k => k.Kind).Distinct().Where(k => kinds.Length == 0 || kinds.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (chosen.Count == 0)
        {
            return "no requests";
        }

        return string.Join("; ", chosen.Select(kind =>
        {
            var statuses = _counts.Where(p => p.Key.Kind == kind).OrderBy(p => p.Key.Status)
                .Select(p => $"{p.Value} × {(p.Key.Status == 0 ? "no answer" : p.Key.Status.ToString(CultureInfo.InvariantCulture))}");
            return string.Create(CultureInfo.InvariantCulture, $"{kind}: {string.Join(", ", statuses)} (slowest {_slowest.GetValueOrDefault(kind):F0} ms)");
        }));
    }

    private long Sum(string[] kinds, Func<int, bool> status) =>
        _counts.Where(p => (kinds.Length == 0 || kinds.Contains(p.Key.Kind)) && status(p.Key.Status)).Sum(p => p.Value);
}
