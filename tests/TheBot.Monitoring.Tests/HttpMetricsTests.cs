using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

public sealed class HttpMetricsTests
{
    private static void MapSample(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app)
    {
        app.MapGet("/api/assignments/{id:int}", (int id) => TypedResults.Ok(new { id }));
        app.MapPost("/api/payments", () => TypedResults.StatusCode(502));
        app.MapGet("/api/boom", string () => throw new InvalidOperationException("boom"));
    }

    [Fact]
    public async Task Requests_are_counted_by_route_template_method_and_status()
    {
        await using var app = await TestApp.StartAsync(MapSample);
        for (var i = 0; i < 3; i++)
        {
            (await app.Client.GetAsync($"/api/assignments/{i + 1}")).EnsureSuccessStatusCode();
        }

        Assert.Equal(HttpStatusCode.BadGateway, (await app.Client.PostAsync("/api/payments", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/no/such/path")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await app.Client.GetAsync("/api/boom")).StatusCode);

        var text = await app.ScrapeAsync();
        Assert.Equal(3, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/assignments/{id}"), ("status", "200")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "POST"), ("endpoint", "/api/payments"), ("status", "502")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "unmatched"), ("status", "404")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/boom"), ("status", "500")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_request_exceptions_total", ("exception_type", "InvalidOperationException")));
        Assert.Equal(3, Exposition.Value(text, "thebot_http_request_duration_seconds_count", ("method", "GET"), ("endpoint", "/api/assignments/{id}")));
        Assert.Equal(3, Exposition.Value(text, "thebot_http_request_duration_seconds_bucket", ("method", "GET"), ("endpoint", "/api/assignments/{id}"), ("le", "+Inf")));
        Assert.Equal(1, Exposition.Value(text, "thebot_build_info", ("service", "test-service"), ("version", Exposition.LabelValues(text, "thebot_build_info", "version").Single())));
    }
}
