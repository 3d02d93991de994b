using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>
/// Bearer-token check for the internal endpoints. Tokens are compared through their SHA-256 digests in
/// constant time, so neither content nor length leaks through timing. Refusals are problem details:
/// 401 without credentials, 403 with wrong ones or when the endpoint is closed.
/// </summary>
internal sealed class TokenAuthorization(Audience audience, Func<string?> expectedToken) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var refusal = Refusal(context.HttpContext);
        return refusal is null ? next(context) : ValueTask.FromResult<object?>(refusal);
    }

    /// <summary>The problem to answer instead of the endpoint, or null when the caller may go on.</summary>
    internal IResult? Refusal(HttpContext context)
    {
        var expected = expectedToken();
        var presented = BearerToken(context.Request);
        if (string.IsNullOrEmpty(expected))
        {
            if (audience == Audience.Scraper && IsLocal(context.Connection.RemoteIpAddress))
            {
                return null;
            }

            return new SystemProblem(
                StatusCodes.Status403Forbidden,
                "Endpoint closed",
                audience == Audience.Scraper
                    ? "No scrape token is configured (Monitoring:ScrapeToken or Monitoring:ScrapeTokenFile), so only loopback may scrape."
                    : "No admin token is configured (Monitoring:AdminToken or Monitoring:AdminTokenFile), so admin endpoints are closed.");
        }

        if (presented is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return new SystemProblem(StatusCodes.Status401Unauthorized, "Token required",
                $"Send 'Authorization: Bearer <{(audience == Audience.Scraper ? "scrape" : "admin")} token>'.");
        }

        return FixedTimeEquals(presented, expected) ? null
            : new SystemProblem(StatusCodes.Status403Forbidden, "Token refused", "The bearer token is not valid for this endpoint.");
    }

    internal static bool FixedTimeEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length ? header[scheme.Length..].Trim() : null;
    }

    // An in-process test server has no remote address: there is no network peer at all.
    private static bool IsLocal(IPAddress? address) => address is null || IPAddress.IsLoopback(address);
}
