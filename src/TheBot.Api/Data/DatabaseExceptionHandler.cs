using System.Data.Common;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace TheBot.Api.Data;

/// <summary>
/// The one place that turns database failures into answers: a duplicate key is 409; anything that means the database
/// cannot serve (unreachable, shutting down, timed out, schema missing) is 503 with <c>Retry-After</c>, at once, and the
/// pool's idle connections are dropped so that the first requests after recovery do not fail on dead sockets.
/// </summary>
public sealed partial class DatabaseExceptionHandler(IProblemDetailsService problems, DatabasePool pool, ILogger<DatabaseExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var failure = Find(exception);
        if (failure is null)
        {
            return false;
        }

        int status;
        string title;
        if (failure is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique)
        {
            status = StatusCodes.Status409Conflict;
            title = "Already exists";
            LogConflict(logger, unique.ConstraintName ?? unique.TableName ?? "unknown");
        }
        else
        {
            status = StatusCodes.Status503ServiceUnavailable;
            title = "Database unavailable";
            httpContext.Response.Headers.RetryAfter = "5";
            pool.Clear();
            LogUnavailable(logger, failure.GetType().Name, failure.Message);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = status,
                Title = title,
                Detail = status == StatusCodes.Status409Conflict ? "A record with the same unique value already exists." : "The database cannot serve this request right now; retry later.",
            },
        });
    }

    /// <summary>The database failure in <paramref name="exception"/> or its inner exceptions, if any.</summary>
    public static Exception? Find(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException or SocketException or TimeoutException)
            {
                return current;
            }
        }

        return null;
    }

    [LoggerMessage(LogLevel.Warning, "database unavailable, answered 503: {ExceptionType}: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string exceptionType, string reason);

    [LoggerMessage(LogLevel.Information, "unique constraint {Constraint} refused a duplicate, answered 409")]
    private static partial void LogConflict(ILogger logger, string constraint);
}
