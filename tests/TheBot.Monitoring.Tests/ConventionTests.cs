using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.Extensions.DependencyInjection;
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
    public async Task System_endpoints_stay_out_of_the_apps_api_description()
    {
        await using var app = await TestApp.StartAsync(MapHello, services => services.AddEndpointsApiExplorer(), inMemory: true);

        var paths = app.Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items
            .SelectMany(group => group.Items).Select(description => description.RelativePath).ToList();

        Assert.Contains("hello", paths);
        Assert.DoesNotContain(paths, path => path!.StartsWith("api/system", StringComparison.Ordinal));
    }
}
