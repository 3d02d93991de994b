using System.Globalization;
using System.Text.RegularExpressions;

namespace TheBot.Cli.Stores;

/// <summary>
/// How far the Prometheus replicas' <c>remote_write</c> has sent, read from each replica's own <c>/metrics</c>
/// (<c>prometheus_remote_storage_queue_highest_sent_timestamp_seconds</c>, no scrape in between). <c>cleanup</c>
/// waits on it before deleting in VictoriaMetrics: a sample stamped before the end time that is still in a replica's
/// queue would otherwise arrive after the deletion and bring the series back.
/// </summary>
internal static partial class RemoteWriteProgress
{
    /// <summary>
    /// remote_write's <c>batch_send_deadline</c> (<c>monitoring/prometheus/prometheus-ha.yml</c>): a queued sample
    /// leaves within this, so once a replica has sent a sample stamped this much past the end time, every sample stamped
    /// before it has left too (each is queued right after its scrape).
    /// </summary>
    public static readonly TimeSpan BatchSendDeadline = TimeSpan.FromSeconds(5);

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// Waits up to <paramref name="within"/> until every replica at <paramref name="replicaUrls"/> has sent a sample
    /// stamped <see cref="BatchSendDeadline"/> past <paramref name="end"/>; returns the URLs of those that had not
    /// (empty when all had). A replica without a remote_write queue has nothing to send.
    /// </summary>
    public static async Task<IReadOnlyList<string>> WaitSentPastAsync(IReadOnlyList<string> replicaUrls, DateTimeOffset end, TimeSpan within, CancellationToken cancellationToken)
    {
        var until = DateTimeOffset.UtcNow + within;
        var mark = (end + BatchSendDeadline).ToUnixTimeSeconds();
        while (true)
        {
            var behind = new List<string>();
            foreach (var url in replicaUrls)
            {
                if (await HighestSentAsync(url, cancellationToken) is { } sent && sent < mark)
                {
                    behind.Add(url);
                }
            }

            if (behind.Count == 0 || DateTimeOffset.UtcNow >= until)
            {
                return behind;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <summary>The lowest highest-sent timestamp of the replica's queues; null when it has none; 0 when it cannot be read.</summary>
    private static async Task<double?> HighestSentAsync(string url, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await Http.GetStringAsync(url + "/metrics", cancellationToken);
        }
        catch (Exception exception) when (StoreReachability.IsStoreFailure(exception, cancellationToken))
        {
            return 0;
        }

        var sent = HighestSent().Matches(text).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        return sent.Count == 0 ? null : sent.Min();
    }

    [GeneratedRegex(@"^prometheus_remote_storage_queue_highest_sent_timestamp_seconds(?:\{[^}]*\})? (\S+)", RegexOptions.Multiline)]
    private static partial Regex HighestSent();
}
