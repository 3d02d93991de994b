using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Routing;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>The library in a host that follows ASP.NET Core's conventions: authorization, endpoint conventions, OpenAPI.</summary>
public sealed class ConventionTests
{
    private static void MapHello(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app) => app.MapGet("/hello", () => "hi");

    // What an app with ASP.NET Core Identity's bearer tokens typically has: every endpoint needs a signed-in user
    // unless it says otherwise.
    private static void RequireSignedInUsers(IServiceCollection services)
    {
        services.AddAuthentication().AddBearerToken();
        services.AddAuthorization(options => options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
    }

    [Theory]
    [InlineData("/api/system/health/")]
    [InlineData("/api/system/readiness/")]
    [InlineData("/api/system/liveness/")]
    public async Task A_fallback_policy_does_not_lock_probes_out(string path)
    {
        await using var app = await TestApp.StartAsync(MapHello, RequireSignedInUsers, inMemory: true);

        using var own = await app.GetAsync("/hello", null);
        using var probe = await app.GetAsync(path, null);

        Assert.Equal(HttpStatusCode.Unauthorized, own.StatusCode); // the policy is in force for the app's endpoints
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
    }

    [Theory]
    [InlineData("/api/system/metrics/prometheus/", TestApp.ScrapeToken)]
    [InlineData("/api/system/metrics/", TestApp.AdminToken)]
    [InlineData("/api/system/analytics/", TestApp.AdminToken)]
    [InlineData("/api/system/prometheus/config/", TestApp.AdminToken)]
    public async Task Under_a_fallback_policy_token_endpoints_answer_their_token_and_refuse_without_it(string path, string token)
    {
        await using var app = await TestApp.StartAsync(MapHello, RequireSignedInUsers, inMemory: true);

        using var withToken = await app.GetAsync(path, token);
        using var without = await app.GetAsync(path, null);
        using var wrong = await app.GetAsync(path, "wrong");

        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        // The refusal is the endpoint's own token check (problem details naming the token), not the host's challenge.
        var problem = await without.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Token required", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task The_returned_group_takes_the_hosts_conventions()
    {
        await using var app = await TestApp.StartAsync(MapHello, inMemory: true,
            monitoringEndpoints: group => group.RequireHost("monitoring.internal"));

        using var elsewhere = await app.GetAsync("/api/system/liveness/", null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/system/liveness/") { Headers = { Host = "monitoring.internal" } };
        using var onTheHost = await app.Client.SendAsync(request);
        using var own = await app.GetAsync("/hello", null);

        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onTheHost.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task A_filter_the_host_adds_to_the_group_runs_on_the_scrape_endpoint_too()
    {
        // The scrape endpoint is a plain request delegate (not a minimal-API handler); a host's group filter (an audit
        // header here) must still run on it, as on the JSON endpoints.
        await using var app = await TestApp.StartAsync(MapHello, inMemory: true,
            monitoringEndpoints: group => group.AddEndpointFilter(async (context, next) =>
            {
                context.HttpContext.Response.Headers["X-Audited"] = "yes";
                return await next(context);
            }));

        using var scrape = await app.GetAsync("/api/system/metrics/prometheus/", TestApp.ScrapeToken);
        using var refused = await app.GetAsync("/api/system/metrics/prometheus/", null);
        using var system = await app.GetAsync("/api/system/metrics/", TestApp.AdminToken);

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal(["yes"], scrape.Headers.GetValues("X-Audited"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(["yes"], refused.Headers.GetValues("X-Audited"));
        Assert.Equal(["yes"], system.Headers.GetValues("X-Audited"));
    }

    [Fact]
    public async Task System_endpoints_stay_out_of_the_apps_api_description()
    {
        await using var app = await TestApp.StartAsync(MapHello, services => services.AddEndpointsApiExplorer(), inMemory: true);

        var paths = app.Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items
            .SelectMany(group => group.Items).Select(description => description.RelativePath).ToList();

        Assert.Contains("hello", paths);
        Assert.DoesNotContain(paths, path => path!.StartsWith("api/system", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Disable_http_metrics_metadata_keeps_an_endpoint_out_of_the_http_families()
    {
        await using var app = await TestApp.StartAsync(endpoints =>
        {
            endpoints.MapGet("/counted", () => "yes");
            endpoints.MapGet("/quiet", () => "no").DisableHttpMetrics();
        }, inMemory: true);

        for (var i = 0; i < 3; i++)
        {
            using var counted = await app.GetAsync("/counted", null);
            using var quiet = await app.GetAsync("/quiet", null);
            Assert.Equal(HttpStatusCode.OK, quiet.StatusCode);
        }

        var text = await app.ScrapeAsync();
        Assert.Equal(3, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/counted"), ("status", "200")));
        Assert.DoesNotContain("/quiet", Exposition.LabelValues(text, "thebot_http_requests_total", "endpoint"));
        Assert.DoesNotContain("/quiet", Exposition.LabelValues(text, "thebot_http_request_duration_seconds_count", "endpoint"));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_in_flight")); // the scrape itself: each /quiet left the gauge
    }

    [Fact]
    public async Task Http_and_database_families_are_described_before_any_traffic()
    {
        await using var app = await TestApp.StartAsync(_ => { }, inMemory: true);

        // The first scrape is counted only once its response is written, so it sees no HTTP traffic at all.
        var text = await app.ScrapeAsync();

        string[] families =
        [
            "thebot_http_requests_total", "thebot_http_request_duration_seconds", "thebot_http_request_exceptions_total",
            "thebot_http_requests_in_flight", "thebot_db_queries_total", "thebot_db_query_duration_seconds",
            "thebot_db_query_errors_total", "thebot_db_connection_errors_total",
        ];
        foreach (var family in families)
        {
            Assert.Contains($"# HELP {family} ", text, StringComparison.Ordinal);
            Assert.Contains($"# TYPE {family} ", text, StringComparison.Ordinal);
        }

        Assert.Empty(Exposition.LabelValues(text, "thebot_http_requests_total", "endpoint"));
        Assert.Empty(Exposition.LabelValues(text, "thebot_db_queries_total", "operation"));
    }

    [Fact]
    public async Task Controllers_and_minimal_apis_are_labelled_by_their_route_templates_alike()
    {
        await using var app = await TestApp.StartAsync(endpoints =>
        {
            endpoints.MapGet("/api/notes/{id:int}", (int id) => id);
            endpoints.MapControllers();
        }, services => services.AddControllers().AddApplicationPart(typeof(TodosController).Assembly), inMemory: true);

        using (var todo = await app.GetAsync("/api/todos/7", null))
        using (var missing = await app.GetAsync("/api/todos/0", null))
        using (var note = await app.GetAsync("/api/notes/7", null))
        {
            Assert.Equal(HttpStatusCode.OK, todo.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal(HttpStatusCode.OK, note.StatusCode);
        }

        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/todos/{id}"), ("status", "200")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/todos/{id}"), ("status", "404")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/notes/{id}"), ("status", "200")));
    }

    [Fact]
    public async Task The_library_leaves_problem_details_to_the_host_and_still_refuses_with_them()
    {
        await using var app = await TestApp.StartAsync(MapHello, inMemory: true);

        // Registering it would change the app's own error responses (traceId, problem+json error pages).
        Assert.Null(app.Services.GetService<IProblemDetailsService>());
        using var refused = await app.GetAsync("/api/system/metrics/", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }
}
