using System.Globalization;
using System.Net;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests.SampleApp;

/// <summary>
/// The requests a test sent to the sample app, by method, route template and the status each got: the samples
/// <c>thebot_http_requests_total</c> and the duration histogram's <c>_count</c> must hold, derived from the traffic
/// rather than written out by hand.
/// </summary>
public sealed class ExpectedTraffic
{
    private readonly Dictionary<(string Method, string Endpoint, int Status), int> _requests = [];

    /// <summary>Counts one finished request.</summary>
    public void Count(string method, string endpoint, HttpStatusCode status)
    {
        var key = (method, endpoint, (int)status);
        _requests[key] = _requests.GetValueOrDefault(key) + 1;
    }

    /// <summary>Sends a request, counts it with the status it got, and checks that status is <paramref name="expected"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send, string method, string endpoint, HttpStatusCode expected)
    {
        var response = await send();
        Count(method, endpoint, response.StatusCode);
        Assert.Equal(expected, response.StatusCode);
        return response;
    }

    /// <summary>Every <c>thebot_http_requests_total</c> sample, as <see cref="Exposition.Samples"/> lists them.</summary>
    public IEnumerable<string> Requests() => _requests
        .Select(r => Exposition.Sample("thebot_http_requests_total",
            [("method", r.Key.Method), ("endpoint", r.Key.Endpoint), ("status", r.Key.Status.ToString(CultureInfo.InvariantCulture))], r.Value))
        .Order(StringComparer.Ordinal);

    /// <summary>Every <c>thebot_http_request_duration_seconds_count</c> sample: one observation per request, whatever its status.</summary>
    public IEnumerable<string> Durations() => _requests
        .GroupBy(r => (r.Key.Method, r.Key.Endpoint), r => r.Value)
        .Select(g => Exposition.Sample("thebot_http_request_duration_seconds_count", [("method", g.Key.Method), ("endpoint", g.Key.Endpoint)], g.Sum()))
        .Order(StringComparer.Ordinal);
}
