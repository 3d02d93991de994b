using Microsoft.AspNetCore.Http.HttpResults;

namespace TheBot.Api.Faults;

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
