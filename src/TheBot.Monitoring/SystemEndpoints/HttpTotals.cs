using TheBot.Monitoring.Http;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>Totals of the HTTP families at one moment, per route template.</summary>
/// <param name="At">When they were read.</param>
/// <param name="Endpoints">Per route template.</param>
public sealed record HttpTotals(DateTimeOffset At, IReadOnlyDictionary<string, EndpointTotals> Endpoints)
{
    internal static HttpTotals Read(HttpMetrics http, DateTimeOffset at)
    {
        var endpoints = new Dictionary<string, EndpointTotals>(StringComparer.Ordinal);
        foreach (var counter in http.Requests.Series)
        {
            var endpoint = counter.LabelValues[1];
            var isError = counter.LabelValues[2].StartsWith('5');
            var totals = endpoints.GetValueOrDefault(endpoint) ?? new EndpointTotals(0, 0, null);
            endpoints[endpoint] = totals with { Requests = totals.Requests + counter.Value, Errors = totals.Errors + (isError ? counter.Value : 0) };
        }

        foreach (var histogram in http.Duration.Series)
        {
            var endpoint = histogram.LabelValues[1];
            var snapshot = histogram.Snapshot();
            var totals = endpoints.GetValueOrDefault(endpoint) ?? new EndpointTotals(0, 0, null);
            var buckets = totals.CumulativeBuckets is null ? snapshot.CumulativeCounts : totals.CumulativeBuckets.Zip(snapshot.CumulativeCounts, (a, b) => a + b).ToArray();
            endpoints[endpoint] = totals with { CumulativeBuckets = buckets, UpperBounds = snapshot.UpperBounds };
        }

        return new HttpTotals(at, endpoints);
    }
}
