using Microsoft.AspNetCore.Http;

namespace TheBot.Hosting;

/// <summary>
/// Answers bad JSON, unreadable parameters and oversized bodies right after routing, so the request keeps its route in
/// the HTTP metrics (the exception handler would re-run the pipeline without it and label it <c>unmatched</c>).
/// </summary>
internal sealed class BadRequestMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await BadRequestExceptionHandler.WriteAsync(problems, context, exception);
        }
    }
}
