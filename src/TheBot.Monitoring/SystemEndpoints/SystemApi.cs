using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Health;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>The endpoints of contract §4 under <see cref="MonitoringOptions.BasePath"/>.</summary>
internal static class SystemApi
{
    /// <summary>Maps the endpoints in one group and returns it, so the host can add its own conventions (<c>RequireHost</c>, …).</summary>
    public static RouteGroupBuilder MapSystemApi(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<MonitoringOptions>>().Value;
        var identity = endpoints.ServiceProvider.GetRequiredService<ServiceIdentity>();
        var scrape = new TokenAuthorization(Audience.Scraper, () => options.ResolvedScrapeToken);
        var admin = new TokenAuthorization(Audience.Admin, () => options.ResolvedAdminToken);
        // Anonymous at the authorization layer: health, readiness and liveness are for anyone (contract §4; a probe carries
        // no credentials), and the others check their own bearer tokens in TokenAuthorization. Without this, a host's
        // FallbackPolicy (RequireAuthenticatedUser) would answer 401 to its load balancer's probes and its own scrapes.
        // Internal endpoints stay out of the host's public API description (OpenAPI/Swagger).
        // Nor may a host's global rate limiter throttle them (a 429 on liveness restarts a healthy pod), nor an output
        // cache with a base policy serve them from its cache (a readiness answer 30 s stale, a frozen scrape, or one
        // scrape's format and encoding replayed to another).
        var system = endpoints.MapGroup(options.BasePath.TrimEnd('/'))
            .WithTags("System")
            .AllowAnonymous()
            .ExcludeFromDescription()
            .DisableRateLimiting()
            .CacheOutput(policy => policy.NoCache());
        if (options.ManagementPort is { } managementPort)
        {
            system.WithMetadata(new ManagementPortMetadata(managementPort));
        }

        // A plain RequestDelegate with the token check inline, not a minimal-API handler behind an endpoint filter: the
        // scrape runs once per interval for the life of the process, and the handler factory's generated delegate and the
        // filter pipeline are framework code the JIT would compile and later recompile for each scrape path (benchmarks §4h).
        var exposition = endpoints.ServiceProvider.GetRequiredService<ExpositionEndpoint>();
        system.MapGet("/metrics/prometheus/", context => scrape.Refusal(context) is { } refusal ? refusal.ExecuteAsync(context) : exposition.WriteAsync(context))
            .WithName("PrometheusMetrics");

        // Degraded answers 200 everywhere: a degraded component (cache down with reads falling back, disk getting
        // full) still serves. Only an unhealthy one makes readiness 503 (database, disk nearly full, the service's own).
        MapHealth(system, "/health/", _ => true, identity);
        MapHealth(system, "/readiness/", check => check.Tags.Contains(HealthTags.Ready), identity);
        MapHealth(system, "/liveness/", check => check.Tags.Contains(HealthTags.Live), identity);

        system.MapGet("/metrics/", Results<JsonHttpResult<Dictionary<string, object?>>, SystemProblem> (string? window, SystemSnapshot snapshot) =>
                TryParseWindow(window, TimeSpan.FromMinutes(1), out var span, out var problem) ? TypedResults.Json(snapshot.System(span), SystemJsonContext.Default.DictionaryStringObject) : problem)
            .AddEndpointFilter(admin)
            .WithName("SystemMetrics");

        system.MapGet("/analytics/", Results<JsonHttpResult<Dictionary<string, object?>>, SystemProblem> (string? window, SystemSnapshot snapshot) =>
                TryParseWindow(window, TimeSpan.FromMinutes(15), out var span, out var problem) ? TypedResults.Json(snapshot.Analytics(span), SystemJsonContext.Default.DictionaryStringObject) : problem)
            .AddEndpointFilter(admin)
            .WithName("Analytics");

        system.MapGet("/prometheus/config/", (HttpContext context) => ScrapeConfig(context, options))
            .AddEndpointFilter(admin)
            .WithName("PrometheusScrapeConfig");

        return system;
    }

    private static void MapHealth(RouteGroupBuilder group, string path, Func<HealthCheckRegistration, bool> predicate, ServiceIdentity identity) =>
        group.MapHealthChecks(path, new HealthCheckOptions
        {
            Predicate = predicate,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = (context, report) => HealthResponseWriter.WriteAsync(context, report, identity.Name, identity.Version),
        });

    /// <summary>Parses windows like <c>30s</c>, <c>5m</c>, <c>1h</c>.</summary>
    internal static bool TryParseWindow(string? text, TimeSpan fallback, out TimeSpan window, out SystemProblem problem)
    {
        problem = null!;
        window = fallback;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        var unit = text[^1];
        var ok = long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0 && amount <= 86_400;
        window = unit switch
        {
            's' when ok => TimeSpan.FromSeconds(amount),
            'm' when ok => TimeSpan.FromMinutes(amount),
            'h' when ok => TimeSpan.FromHours(amount),
            _ => TimeSpan.Zero,
        };

        if (window > TimeSpan.Zero && window <= TimeSpan.FromDays(1))
        {
            return true;
        }

        problem = new SystemProblem(StatusCodes.Status400BadRequest, "Invalid window",
            $"window '{text}' is not a duration like 30s, 5m or 1h (at most 24h).");
        return false;
    }

    private static IResult ScrapeConfig(HttpContext context, MonitoringOptions options)
    {
        // No Host (HTTP/1.0) or an empty one would give targets: [''], which Prometheus rejects: as invalid as a bad one.
        var target = string.IsNullOrWhiteSpace(options.PublicAddress) ? context.Request.Host.Value : options.PublicAddress;
        if (string.IsNullOrEmpty(target) || target.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or '-' or '[' or ']')))
        {
            return new SystemProblem(StatusCodes.Status400BadRequest, "Invalid host",
                "The request's Host is not a plain host:port; set Monitoring:PublicAddress.");
        }

        var yaml = new StringBuilder()
            .AppendLine($"# Scrape config for this instance of {options.JobName}: add it under scrape_configs in prometheus.yml.")
            .AppendLine($"- job_name: {options.JobName}")
            .AppendLine($"  metrics_path: {context.Request.PathBase}{options.BasePath.TrimEnd('/')}/metrics/prometheus/")
            .AppendLine($"  scheme: {context.Request.Scheme}")
            .AppendLine("  authorization:")
            .AppendLine("    type: Bearer")
            .AppendLine("    credentials_file: /etc/prometheus/secrets/scrape-token")
            .AppendLine("  static_configs:")
            .AppendLine($"    - targets: ['{target}']")
            .ToString();
        return TypedResults.Text(yaml, "application/yaml; charset=utf-8");
    }
}
