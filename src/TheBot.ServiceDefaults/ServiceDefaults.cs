using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace TheBot.Hosting;

/// <summary>What both THE_BOT services share: listening address, JSON logs, request limits and problem-details errors.</summary>
public static class ServiceDefaults
{
    /// <summary>
    /// Loads configuration next to the binary (so the working folder does not matter) and creates the builder.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

    /// <summary>
    /// Listens on <paramref name="defaultUrl"/> unless <c>ASPNETCORE_URLS</c>, <c>--urls</c>, <c>ASPNETCORE_HTTP_PORTS</c>
    /// or <c>Kestrel:Endpoints</c> say otherwise; adds JSON logs, body limits and problem details for every error.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string defaultUrl)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration["urls"]) && string.IsNullOrWhiteSpace(configuration["http_ports"])
            && string.IsNullOrWhiteSpace(configuration["https_ports"]) && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(defaultUrl);
        }

        builder.AddJsonLogging();

        var limits = configuration.GetSection(RequestLimitsOptions.SectionName).Get<RequestLimitsOptions>() ?? new RequestLimitsOptions();
        builder.Services.AddOptions<RequestLimitsOptions>().BindConfiguration(RequestLimitsOptions.SectionName).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RequestLimitsOptions>, RequestLimitsOptionsValidator>());
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // A value out of range is left to the validator, whose message names the setting; Kestrel's own throw
            // on a negative limit does not.
            if (RequestLimitsOptionsValidator.IsValid(limits.MaxRequestBodyBytes))
            {
                kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            }
        });

        // Bad JSON and unreadable parameters throw BadHttpRequestException, which BadRequestExceptionHandler turns into
        // problem details with the reason (instead of an empty 400).
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options => options.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier);
        });
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        return builder;
    }

    /// <summary>Response header with the request's id (<c>request_id</c> in the JSON logs).</summary>
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>Turns exceptions and empty error responses into problem details; answers every request with its <see cref="RequestIdHeader"/>.</summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Exceptions our IExceptionHandlers answer (bad input, database down) are logged by them, briefly;
            // only the unexpected ones get the framework's error log with a stack trace.
            SuppressDiagnosticsCallback = context => context.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService,
        });
        app.UseStatusCodePages();
        app.Use(static (context, next) =>
        {
            // The id every log line of this request carries as request_id, so a client can quote it. Set as the
            // headers go out, so a proxied response carries this host's id rather than the one copied from upstream.
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                http.Response.Headers[RequestIdHeader] = http.TraceIdentifier;
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        app.UseRouting();
        app.UseMiddleware<BadRequestMiddleware>();
        return app;
    }
}
