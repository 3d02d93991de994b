using TheBot.Monitoring.SystemEndpoints;

namespace TheBot.Api.Faults;

/// <summary>
/// <c>POST /api/drills/exception</c>: throws <see cref="DrillException"/> and lets it escape, so the request ends the way
/// a real bug ends (a 500 problem, <c>thebot_http_request_exceptions_total{exception_type="DrillException"}</c>, an
/// error log with the stack). <c>./thebot load</c> sends a small share of these so the exceptions panel has data.
/// It is mapped in every environment but takes the admin token (as the admin system endpoints do): anonymous callers get
/// 401/403 and cannot make 5xx at will.
/// </summary>
public static class ExceptionDrill
{
    public const string Path = "/api/drills/exception";

    public static WebApplication MapExceptionDrill(this WebApplication app)
    {
        app.MapPost(Path, IResult () => throw new DrillException())
            .RequireAdminToken()
            .WithTags("Drills");
        return app;
    }
}

/// <summary>The deliberate, unhandled failure of <see cref="ExceptionDrill"/>; its own type so dashboards tell it from real bugs.</summary>
public sealed class DrillException()
    : Exception("Deliberate unhandled exception (POST /api/drills/exception with the admin token, e.g. from ./thebot load).");
