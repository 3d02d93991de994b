using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace TheBot.Hosting;

/// <summary>Bad JSON, unreadable parameters and oversized bodies: the status the server chose (400, 413, ...) as problem details.</summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken) =>
        exception is Microsoft.AspNetCore.Http.BadHttpRequestException bad && await WriteAsync(problems, httpContext, bad);

    public static async ValueTask<bool> WriteAsync(IProblemDetailsService problems, HttpContext httpContext, Microsoft.AspNetCore.Http.BadHttpRequestException bad)
    {
        var exception = bad;
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                Detail = bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message,
            },
        });
    }
}
