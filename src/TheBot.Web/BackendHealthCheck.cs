using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace TheBot.Web;

/// <summary>
/// backend (ready-tagged): the backend answers its liveness endpoint; with several destinations, at least one of them
/// does (the frontend serves as long as the service has an instance left).
/// </summary>
public sealed class BackendHealthCheck(IHttpClientFactory clients, IOptionsMonitor<BackendOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var destinations = options.CurrentValue.Destinations;
        if (destinations.Count == 0)
        {
            return await ProbeAsync(null, cancellationToken);
        }

        var results = await Task.WhenAll(destinations.Values.Select(address => ProbeAsync(new Uri(address), cancellationToken)));
        var answering = results.Count(r => r.Status == HealthStatus.Healthy);
        var summary = string.Join("; ", results.Select(r => r.Description));
        return answering > 0
            ? HealthCheckResult.Healthy($"{answering} of {results.Length} backend instances answer: {summary}")
            : HealthCheckResult.Unhealthy($"none of {results.Length} backend instances answers: {summary}");
    }

    private async Task<HealthCheckResult> ProbeAsync(Uri? address, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(BackendProxyExtensions.ClusterId);
        if (address is not null)
        {
            client.BaseAddress = address;
        }

        try
        {
            using var response = await client.GetAsync("/api/system/liveness/", cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy($"backend at {client.BaseAddress} answers")
                : HealthCheckResult.Unhealthy($"backend at {client.BaseAddress} answered {(int)response.StatusCode}");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy($"backend at {client.BaseAddress} unreachable: {exception.Message}");
        }
    }
}
