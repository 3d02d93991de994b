using System.Data.Common;
using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace TheBot.Api.Faults;

/// <summary>
/// Test-only fault injection (section <c>Faults</c>). Off unless <c>Faults:Enabled=true</c> AND the environment is not
/// Production; only then are <c>/api/test/faults</c> mapped and the middleware installed. Used to drive alerts such as
/// BackendHighLatency (added latency), BackendSlowQueries (a real <c>pg_sleep</c> per request) and BackendHighErrorRate
/// (injected 500s) on a test stack.
/// </summary>
public sealed class FaultOptions
{
    public const string SectionName = "Faults";

    public bool Enabled { get; set; }
}

/// <summary>
/// The faults in force: added latency, a share of requests answered 500, and a real <c>SELECT pg_sleep</c> of
/// <paramref name="SlowQueryMilliseconds"/> run through the service's own (instrumented) data source before each request.
/// </summary>
public sealed record FaultSettings(int LatencyMilliseconds, double ErrorRate, int SlowQueryMilliseconds = 0);

public sealed class FaultState
{
    private volatile FaultSettings _current = new(0, 0, 0);

    public FaultSettings Current
    {
        get => _current;
        set => _current = value;
    }
}

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

public static class FaultsExtensions
{
    public static bool FaultsAllowed(this IHostApplicationBuilder builder) =>
        !builder.Environment.IsProduction() && builder.Configuration.GetValue<bool>($"{FaultOptions.SectionName}:Enabled");

    private static bool FaultsAllowed(this WebApplication app) =>
        !app.Environment.IsProduction() && app.Configuration.GetValue<bool>($"{FaultOptions.SectionName}:Enabled");

    public static IHostApplicationBuilder AddFaults(this IHostApplicationBuilder builder)
    {
        if (builder.FaultsAllowed())
        {
            builder.Services.AddSingleton<FaultState>();
        }

        return builder;
    }

    public static WebApplication UseFaults(this WebApplication app)
    {
        if (app.FaultsAllowed())
        {
            app.UseMiddleware<FaultMiddleware>();
        }

        return app;
    }

    /// <summary>GET/PUT/DELETE <c>/api/test/faults</c>, mapped only when faults are allowed.</summary>
    public static WebApplication MapFaultsApi(this WebApplication app)
    {
        if (!app.FaultsAllowed())
        {
            return app;
        }

        var group = app.MapGroup("/api").WithTags("Faults");
        group.MapGet("/test/faults", (FaultState state) => TypedResults.Ok(state.Current));
        group.MapPost("/test/faults", Results<Ok<FaultSettings>, ValidationProblem> (FaultSettings settings, FaultState state) =>
        {
            var validation = new Apis.Validation()
                .Require(settings.LatencyMilliseconds is >= 0 and <= 60_000, "latencyMilliseconds", "latencyMilliseconds must be 0 to 60000.")
                .Require(settings.ErrorRate is >= 0 and <= 1, "errorRate", "errorRate must be 0 to 1.")
                .Require(settings.SlowQueryMilliseconds is >= 0 and <= 60_000, "slowQueryMilliseconds", "slowQueryMilliseconds must be 0 to 60000.");
            if (!validation.IsValid)
            {
                return validation.Result;
            }

            state.Current = settings;
            return TypedResults.Ok(settings);
        });
        group.MapDelete("/test/faults", (FaultState state) =>
        {
            state.Current = new FaultSettings(0, 0, 0);
            return TypedResults.Ok(state.Current);
        });
        return app;
    }
}
