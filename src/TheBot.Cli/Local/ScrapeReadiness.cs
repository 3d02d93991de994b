using System.Text.Json;
using TheBot.Cli.Clients;

namespace TheBot.Cli.Local;

/// <summary>
/// Whether Prometheus has scraped every active target successfully at least once: each target's series
/// <c>up{job, instance}</c> has a sample of 1. Right after Prometheus is ready no target has been scraped yet, so a
/// stack reported ready then would show empty graphs and <c>absent(up)</c> alerts.
/// </summary>
internal static class ScrapeReadiness
{
    /// <summary>How long <c>up</c> waits for the first successful scrape of every target under the standard profile (four 15 s intervals).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long Prometheus may take, whatever its interval, before its first scrapes: discovery passes target groups on
    /// at most every 5 s and the scrape manager applies them at most every 5 s (both fixed in its code).
    /// </summary>
    private static readonly TimeSpan FirstTargets = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The wait for a stack whose global scrape interval is <paramref name="interval"/> (null: prometheus.yml's 15 s):
    /// four intervals after <see cref="FirstTargets"/>, at least 20 s. Four intervals alone left a 5 s profile (the HA
    /// test stack) one retry after the discovery delays; a 1 s profile (the detection suites) keeps its 20 s.
    /// </summary>
    public static TimeSpan TimeoutFor(TimeSpan? interval) =>
        interval is { } every ? TimeSpan.FromTicks(Math.Max((FirstTargets + every * 4).Ticks, TimeSpan.FromSeconds(20).Ticks)) : DefaultTimeout;

    /// <summary>
    /// Polls until every active target has <c>up == 1</c>, or <paramref name="timeout"/> passes; returns the targets
    /// still not up then (job, instance and Prometheus' last scrape error), empty when all are.
    /// </summary>
    public static async Task<IReadOnlyList<string>> WaitAsync(PrometheusClient prometheus, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            IReadOnlyList<string> notUp;
            try
            {
                notUp = await NotUpAsync(prometheus, cancellationToken);
            }
            catch (Exception exception) when (exception is HttpRequestException or JsonException or KeyNotFoundException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                notUp = [$"Prometheus API: {exception.Message}"];
            }

            if (notUp.Count == 0 || DateTime.UtcNow >= deadline)
            {
                return notUp;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <summary>The active targets whose <c>up</c> has no sample of 1 yet; a list with one entry when there are no targets at all.</summary>
    public static async Task<IReadOnlyList<string>> NotUpAsync(PrometheusClient prometheus, CancellationToken cancellationToken)
    {
        var targets = (await prometheus.GetAsync("/api/v1/targets?state=active", cancellationToken)).GetProperty("data").GetProperty("activeTargets")
            .EnumerateArray()
            .Select(t => (Job: Label(t, "job"), Instance: Label(t, "instance"), Url: t.TryGetProperty("scrapeUrl", out var u) ? u.GetString() : null,
                Error: t.TryGetProperty("lastError", out var e) ? e.GetString() : null))
            .ToList();
        if (targets.Count == 0)
        {
            return ["no active targets yet (service discovery has not run)"];
        }

        var up = (await prometheus.QueryAsync("up == 1", cancellationToken)).EnumerateArray()
            .Select(s => (Job: Label(s.GetProperty("metric"), "job", direct: true), Instance: Label(s.GetProperty("metric"), "instance", direct: true)))
            .ToHashSet();
        return [.. targets.Where(t => !up.Contains((t.Job, t.Instance)))
            // The scrape URL, not the instance: the postgres and redis targets' instance is the server their exporter watches.
            .Select(t => $"{t.Job} ({t.Url ?? t.Instance}): " + (string.IsNullOrEmpty(t.Error) ? "not scraped yet" : t.Error))];
    }

    private static string Label(JsonElement element, string name, bool direct = false) =>
        (direct ? element : element.GetProperty("labels")).TryGetProperty(name, out var value) ? value.GetString() ?? string.Empty : string.Empty;
}
