using TheBot.Routing;

namespace TheBot.Api.Routing;

/// <summary>
/// Start-up guard: every business route the backend maps is in <see cref="PublicRoutes.Templates"/>, and every template
/// there is mapped. A route added without its template would be labelled with the frontend's catch-all; a template left
/// behind would be a proxy route for nothing. Either is a programming error, found at the first start (every test run).
/// </summary>
public static class PublicRouteCheck
{
    /// <summary>Throws <see cref="InvalidOperationException"/> naming the differences; call after every <c>Map*</c>.</summary>
    public static WebApplication EnsurePublicRoutesListed(this WebApplication app)
    {
        var mapped = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => Template(endpoint.RoutePattern.RawText))
            .Where(template => template is not null && IsBusiness(template))
            .Select(template => template!)
            .ToHashSet(StringComparer.Ordinal);
        var listed = PublicRoutes.Templates.ToHashSet(StringComparer.Ordinal);
        var unlisted = mapped.Except(listed).Order(StringComparer.Ordinal).ToList();
        var unmapped = listed.Except(mapped).Order(StringComparer.Ordinal).ToList();
        if (unlisted.Count > 0 || unmapped.Count > 0)
        {
            throw new InvalidOperationException(
                $"PublicRoutes.Templates (src/TheBot.ServiceDefaults/Routing/PublicRoutes.cs) must list exactly the business routes the backend maps; "
                + $"mapped but not listed: [{string.Join(", ", unlisted)}]; listed but not mapped: [{string.Join(", ", unmapped)}].");
        }

        return app;
    }

    // "/api" + "/users/{id}" is "/api/users/{id}"; a trailing slash serves the same path, so it is not part of the template.
    private static string? Template(string? raw) => raw is null ? null : "/" + raw.Trim('/');

    private static bool IsBusiness(string template) =>
        (template.StartsWith("/api/", StringComparison.Ordinal) || template.StartsWith("/ws/", StringComparison.Ordinal))
        && !PublicRoutes.ExcludedPrefixes.Any(prefix => (template + "/").StartsWith(prefix, StringComparison.Ordinal));
}
