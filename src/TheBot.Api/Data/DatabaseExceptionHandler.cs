using System.Data.Common;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace TheBot.Api.Data;

/// <summary>
/// The one place that turns database failures into answers. Only failures that mean the database cannot serve right
/// now (unreachable, shutting down, out of resources, timed out, schema not yet applied) are 503 with
/// <c>Retry-After</c>. Of those, only the ones that prove the pool's connections dead (the server refused or reset
/// connections, or told its clients it is shutting down or restarting) drop the pool's idle connections, so that the
/// first requests after recovery do not fail on dead sockets. A timeout proves nothing about the other connections —
/// under a burst it only means a connection was not free or not set up in time — and clearing the pool then would make
/// every following request set up a new connection, turning a few slow requests into a wave of failing ones. A value the database refuses (SQLSTATE class 22) is the client's fault: 400; a
/// constraint it violates (class 23) is a conflict with stored data: 409. Anything else is a bug and stays a 500.
/// </summary>
public sealed partial class DatabaseExceptionHandler(IProblemDetailsService problems, DatabasePool pool, ILogger<DatabaseExceptionHandler> logger)
    : IExceptionHandler
{
    /// <summary>How a database failure is answered.</summary>
    public enum FailureKind
    {
        /// <summary>Not a database failure, or one that is a bug: left to the default 500 handling.</summary>
        None,

        /// <summary>The database cannot serve now: 503.</summary>
        Unavailable,

        /// <summary>The database refused a value of the request: 400.</summary>
        InvalidData,

        /// <summary>A constraint refused the change: 409.</summary>
        Conflict,
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var failure = Find(exception);
        var kind = Classify(failure);
        int status;
        string title;
        string detail;
        switch (kind)
        {
            case FailureKind.Unavailable:
                status = StatusCodes.Status503ServiceUnavailable;
                title = "Database unavailable";
                detail = "The database cannot serve this request right now; retry later.";
                httpContext.Response.Headers.RetryAfter = "5";
                var cleared = ProvesPoolBroken(failure!);
                if (cleared)
                {
                    pool.Clear();
                }

                LogUnavailable(logger, failure!.GetType().Name, failure.Message, cleared);
                break;
            case FailureKind.InvalidData:
                var refused = (PostgresException)failure!;
                status = StatusCodes.Status400BadRequest;
                title = "Invalid value";
                detail = $"The database refused a value of this request: {refused.MessageText}.";
                LogRefused(logger, refused.SqlState, refused.MessageText);
                break;
            case FailureKind.Conflict:
                var violation = (PostgresException)failure!;
                status = StatusCodes.Status409Conflict;
                title = violation.SqlState == PostgresErrorCodes.UniqueViolation ? "Already exists" : "Conflict";
                detail = violation.SqlState == PostgresErrorCodes.UniqueViolation
                    ? "A record with the same unique value already exists."
                    : "The change conflicts with stored data.";
                LogConflict(logger, violation.SqlState, violation.ConstraintName ?? violation.TableName ?? "unknown");
                break;
            default:
                return false;
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
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

    /// <summary>How <paramref name="failure"/> (a result of <see cref="Find"/>) is answered.</summary>
    public static FailureKind Classify(Exception? failure) => failure switch
    {
        null => FailureKind.None,
        PostgresException { SqlState: var state } => state switch
        {
            // 08 connection exception, 53 insufficient resources, 57P operator intervention (shutdown, cannot connect
            // now), 57014 a cancelled statement (the command timeout), 3D000/42P01: database or schema not there yet.
            _ when state.StartsWith("08", StringComparison.Ordinal)
                || state.StartsWith("53", StringComparison.Ordinal)
                || state.StartsWith("57P", StringComparison.Ordinal) => FailureKind.Unavailable,
            PostgresErrorCodes.QueryCanceled or PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedTable => FailureKind.Unavailable,
            _ when state.StartsWith("22", StringComparison.Ordinal) => FailureKind.InvalidData,
            _ when state.StartsWith("23", StringComparison.Ordinal) => FailureKind.Conflict,
            _ => FailureKind.None,
        },
        NpgsqlException { IsTransient: true } => FailureKind.Unavailable,
        SocketException or TimeoutException => FailureKind.Unavailable,

        // A connection that breaks mid-command surfaces as NpgsqlException around an IOException; treat it as transient.
        NpgsqlException { InnerException: IOException or SocketException or TimeoutException } => FailureKind.Unavailable,
        _ => FailureKind.None,
    };

    /// <summary>
    /// Whether <paramref name="failure"/> (an <see cref="FailureKind.Unavailable"/> one) shows that the pool's idle
    /// connections are dead too: the server is gone (connection refused or reset, a stream that ended) or said it is
    /// shutting down or restarting (57P01-57P03, class 08). Not a timeout, a cancelled statement, too many connections
    /// (53300: clearing would only open more) or a missing schema: the pool's other connections are fine.
    /// </summary>
    public static bool ProvesPoolBroken(Exception failure)
    {
        for (var current = failure; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case TimeoutException:
                    return false;
                case PostgresException { SqlState: var state }:
                    return state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("57P", StringComparison.Ordinal);
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                    return false;
                case SocketException or EndOfStreamException:
                    return true;
                case IOException when current.InnerException is null:
                    return true;
            }
        }

        return false;
    }

    [LoggerMessage(LogLevel.Warning, "database unavailable, answered 503: {ExceptionType}: {Reason} (pool cleared: {PoolCleared})")]
    private static partial void LogUnavailable(ILogger logger, string exceptionType, string reason, bool poolCleared);

    [LoggerMessage(LogLevel.Information, "database refused a value (SQLSTATE {SqlState}: {Reason}), answered 400")]
    private static partial void LogRefused(ILogger logger, string sqlState, string reason);

    [LoggerMessage(LogLevel.Information, "constraint {Constraint} refused a change (SQLSTATE {SqlState}), answered 409")]
    private static partial void LogConflict(ILogger logger, string sqlState, string constraint);
}
