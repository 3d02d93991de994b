namespace TheBot.Routing;

/// <summary>
/// The route templates of every business endpoint the backend maps under <c>/api</c> and <c>/ws</c> (system and
/// test-only endpoints excepted). The frontend (through TheBot.ServiceDefaults) turns each template into a proxy route,
/// so its <c>thebot_http_*</c> series carry the backend's template (<c>/api/users/{id}</c>) instead of one catch-all:
/// the label stays bounded (this list) and frontend alerts can name the route. The backend refuses to start when what
/// it maps and this list differ (<c>TheBot.Api.Routing.PublicRouteCheck</c>), so the two cannot drift apart.
/// </summary>
public static class PublicRoutes
{
    public static readonly IReadOnlyList<string> Templates =
    [
        "/api/users",
        "/api/users/{id}",
        "/api/users/{id}/notifications",
        "/api/courses",
        "/api/courses/{id}",
        "/api/courses/{id}/assignments",
        "/api/assignments/{id}",
        "/api/assignments/{id}/close",
        "/api/assignments/{id}/submissions",
        "/api/submissions/{id}",
        "/api/chat/rooms/{room}/messages",
        "/api/payments",
        "/api/payments/{id}",
        "/api/jobs",
        "/api/jobs/notifications",
        "/api/drills/exception",
        "/ws/chat/{room}",
    ];

    /// <summary>Paths under these prefixes are not business routes: the service's own system endpoints and the test-only fault switch.</summary>
    public static readonly IReadOnlyList<string> ExcludedPrefixes = ["/api/system/", "/api/test/"];
}
