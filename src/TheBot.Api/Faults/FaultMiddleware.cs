using System.Data.Common;
using System.Diagnostics;

namespace TheBot.Api.Faults;

/// <summary>Applies <see cref="FaultState"/> to business requests (<c>/api/*</c> and <c>/ws/*</c>, never the system or fault endpoints).</summary>
public sealed partial class FaultMiddleware(RequestDelegate next, FaultState state, ILogger<FaultMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var faults = state.Current;
        var path = context.Request.Path;
        var affected = (path.StartsWithSegments("/api") || path.StartsWithSegments("/ws"))
            && !path.StartsWithSegments("/api/system") && !path.StartsWithSegments("/api/test");
        if (affected && faults.LatencyMilliseconds > 0)
        {
            // Timers may fire a fraction of a millisecond early: top up until the whole latency has passed, so a
            // request is never faster than the fault says.
            var until = Stopwatch.GetTimestamp() + faults.LatencyMilliseconds * Stopwatch.Frequency / 1000;
            for (var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until); left > TimeSpan.Zero;
                 left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until))
            {
                await Task.Delay(left + TimeSpan.FromMilliseconds(1), context.RequestAborted);
            }

            // One line per slowed request, under the request's trace: what an operator following an exemplar's trace_id
            // from a slow bucket (./thebot explain BackendHighLatency) finds in the log file, as a real slow request would
            // leave its own lines.
            LogInjectedLatency(logger, faults.LatencyMilliseconds, context.Request.Method, path.Value ?? "");
        }

        if (affected && faults.SlowQueryMilliseconds > 0)
        {
            await SleepInDatabaseAsync(context, faults.SlowQueryMilliseconds);
        }

        if (affected && faults.ErrorRate > 0 && Random.Shared.NextDouble() < faults.ErrorRate)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await TypedResults.Problem(statusCode: 500, title: "Injected fault", detail: "Faults:Enabled is on and an error rate is set.").ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    [LoggerMessage(LogLevel.Information, "injected {LatencyMilliseconds} ms of latency into {Method} {Path}")]
    private static partial void LogInjectedLatency(ILogger logger, int latencyMilliseconds, string method, string path);

    // Through the DbDataSource the application itself uses, so the query is timed and classified like any other.
    private static async Task SleepInDatabaseAsync(HttpContext context, int milliseconds)
    {
        await using var command = context.RequestServices.GetRequiredService<DbDataSource>().CreateCommand("SELECT pg_sleep(@seconds)");
        var seconds = command.CreateParameter();
        seconds.ParameterName = "seconds";
        seconds.Value = milliseconds / 1000.0;
        command.Parameters.Add(seconds);
        await command.ExecuteNonQueryAsync(context.RequestAborted);
    }
}
