using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>
/// A refusal of a system endpoint as problem details (RFC 9457, <c>application/problem+json</c>), written with the
/// library's own JSON metadata. <c>TypedResults.Problem</c> serializes through the host's JSON options, which in a Native
/// AOT app know no <see cref="ProblemDetails"/> unless the host called <c>AddProblemDetails</c>: its bad-window answer
/// was a 500 there. Registering that ourselves would change the host's own error answers, so the library does not.
/// </summary>
internal sealed class SystemProblem(int statusCode, string title, string detail) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    private const string ProblemJson = "application/problem+json";

    /// <summary>The status code.</summary>
    public int StatusCode => statusCode;

    int? IStatusCodeHttpResult.StatusCode => statusCode;

    string IContentTypeHttpResult.ContentType => ProblemJson;

    /// <summary>The document written.</summary>
    public ProblemDetails Details { get; } = new()
    {
        Type = statusCode switch
        {
            StatusCodes.Status400BadRequest => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            StatusCodes.Status401Unauthorized => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
            StatusCodes.Status403Forbidden => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
            _ => null,
        },
        Title = title,
        Status = statusCode,
        Detail = detail,
    };

    /// <inheritdoc />
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = statusCode;
        return httpContext.Response.WriteAsJsonAsync(Details, SystemJsonContext.Default.ProblemDetails, ProblemJson, httpContext.RequestAborted);
    }
}
