using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>
/// Routes an endpoint with <see cref="ManagementPortMetadata"/> only for connections accepted on that local port, as
/// ASP.NET Core's own host matcher policy does for <c>RequireHost</c>, but from the connection rather than the
/// <c>Host</c> header (which the client chooses). On another port the endpoint is not a candidate: the request is
/// answered as if it were not mapped. Apps that set no management port pay nothing: no endpoint carries the metadata,
/// so routing never asks this policy.
/// </summary>
internal sealed class ManagementPortMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    // Before the HTTP method policy (which would answer 405 for a method mismatch on a port the endpoint is not on).
    public override int Order => -1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(endpoint => endpoint.Metadata.GetMetadata<ManagementPortMetadata>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var localPort = httpContext.Connection.LocalPort;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<ManagementPortMetadata>() is { } management
                && management.Port != localPort)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
