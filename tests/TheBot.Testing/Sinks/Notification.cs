using System.Collections.Concurrent;

namespace TheBot.Testing.Sinks;

/// <summary>One notification a sink accepted (or rejected), reduced to what detection tests assert on.</summary>
/// <param name="Kind">slack, pagerduty, email or webhook.</param>
/// <param name="Target">Where it was addressed: Slack channel, e-mail recipient, webhook receiver, "routing-key" for PagerDuty (the key itself is checked).</param>
/// <param name="Status">firing or resolved.</param>
/// <param name="AlertName">The alert (the group's common alertname).</param>
/// <param name="Labels">Labels the payload carries (all of them for webhooks; otherwise alertname/severity/component, cluster when the headline names one, and PagerDuty's payload source as <c>source</c>).</param>
/// <param name="Summary">The alert's summary annotation as it appears in the payload, when found.</param>
/// <param name="RunbookUrl">The runbook link found in the payload.</param>
/// <param name="ReceivedAt">When the sink received it.</param>
/// <param name="Problems">Why the real service would reject it; empty when valid.</param>
/// <param name="Raw">The payload as received.</param>
public sealed record Notification(
    string Kind, string Target, string Status, string AlertName, IReadOnlyDictionary<string, string> Labels,
    string? Summary, string? RunbookUrl, DateTimeOffset ReceivedAt, IReadOnlyList<string> Problems, string Raw)
{
    /// <summary>True when the real service would have accepted it.</summary>
    public bool Valid => Problems.Count == 0;
}

/// <summary>Thread-safe record of every notification the sinks received, with waiting helpers.</summary>
public sealed class NotificationLog
{
    private readonly ConcurrentQueue<Notification> _items = new();

    /// <summary>Every notification so far, in arrival order.</summary>
    public IReadOnlyList<Notification> All => [.. _items];

    /// <summary>Records one.</summary>
    public void Add(Notification notification) => _items.Enqueue(notification);

    /// <summary>Waits until a notification matches <paramref name="match"/>; null on timeout.</summary>
    public async Task<Notification?> WaitForAsync(Func<Notification, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_items.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return null;
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
