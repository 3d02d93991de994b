namespace TheBot.Monitoring;

/// <summary>
/// Marks an endpoint whose requests are held open by design (long polling, a download that streams for minutes): its
/// requests are still counted in <c>thebot_http_requests_total</c> with their status, but not observed in
/// <c>thebot_http_request_duration_seconds</c>, so a poll that waits 90 s for news is not a slow request to the latency
/// alert and SLO. Put it on a controller or action, or add it with
/// <see cref="RequestDurationEndpointConventionBuilderExtensions.ExcludeFromRequestDuration{TBuilder}"/>.
/// </summary>
/// <remarks>
/// SignalR's long-polling requests (a GET on a hub's endpoint that is neither a WebSocket nor an event stream) are
/// left out without it. To leave an endpoint out of every HTTP family, use ASP.NET Core's <c>DisableHttpMetrics</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ExcludeFromRequestDurationAttribute : Attribute
{
}
