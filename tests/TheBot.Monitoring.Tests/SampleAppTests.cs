using System.Net;
using System.Net.Http.Json;
using TheBot.Monitoring.Tests.SampleApp;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// The two lines on an app shaped like a typical public one (<see cref="LendingApp"/>: controllers + minimal APIs,
/// EF Core on SQLite with its own tables, a FallbackPolicy, UseExceptionHandler): every family the library gives an
/// app is there before any traffic, each label is exact after known traffic, the system endpoints answer despite the
/// policy, and none of THE_BOT's business families shows up.
/// </summary>
public sealed class SampleAppTests
{
    private static readonly string[] LibraryFamilies =
    [
        "thebot_http_requests_total", "thebot_http_request_duration_seconds", "thebot_http_request_exceptions_total",
        "thebot_http_requests_in_flight", "thebot_db_queries_total", "thebot_db_query_duration_seconds",
        "thebot_db_query_errors_total", "thebot_db_connection_errors_total", "thebot_cache_hits_total",
        "thebot_cache_misses_total", "thebot_cache_errors_total", "thebot_websocket_connections",
        "thebot_websocket_session_duration_seconds", "thebot_background_tasks_total",
        "thebot_background_task_duration_seconds", "thebot_background_queue_depth", "thebot_build_info",
    ];

    private static readonly string[] PlatformFamilies =
        ["thebot_messages_sent", "thebot_assignments_submitted", "thebot_payments_processed"];

    [Fact]
    public async Task Each_family_and_label_is_exact_on_an_app_nobody_here_wrote()
    {
        await using var app = await LendingApp.StartAsync();

        // Before any traffic of its own: every family is declared, the unlabelled in-flight gauge has its series.
        var before = await app.ScrapeAsync();
        foreach (var family in LibraryFamilies)
        {
            Assert.Contains($"\n# TYPE {family} ", before, StringComparison.Ordinal);
        }

        Assert.Equal(1, Exposition.Value(before, "thebot_http_requests_in_flight")); // the scrape itself
        Assert.Null(Exposition.Value(before, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/books/{id}"), ("status", "200")));

        // The policy is in force for the app's own endpoints, not for probes.
        using (var refused = await app.GetAnonymouslyAsync("/api/books/1"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await TestHttp.WaitUntilAsync(async () =>
        {
            using var ready = await app.GetAnonymouslyAsync("/api/system/readiness/");
            return ready.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(10), () => "readiness never answered 200 to an anonymous probe");
        foreach (var probe in new[] { "/api/system/health/", "/api/system/liveness/" })
        {
            using var response = await app.GetAnonymouslyAsync(probe);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await app.SignInAsync("ada");
        using (var created = await app.Client.PostAsJsonAsync("/api/books", new { title = "Dune" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/books/1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/api/books/999")).StatusCode);
        using (var lent = await app.Client.PostAsJsonAsync("/api/loans", new { bookId = 1, borrower = "ada" }))
        {
            Assert.Equal(HttpStatusCode.Created, lent.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/loans/1")).StatusCode);
        using (var crashed = await app.Client.GetAsync("/api/overdue/report"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, crashed.StatusCode);
            Assert.Equal("application/problem+json", crashed.Content.Headers.ContentType?.MediaType); // the app's own handler answered
        }

        var text = await app.ScrapeAsync();
        double? Requests(string method, string endpoint, string status) =>
            Exposition.Value(text, "thebot_http_requests_total", ("method", method), ("endpoint", endpoint), ("status", status));

        Assert.Equal(1, Requests("POST", "/api/login", "200"));
        Assert.Equal(1, Requests("GET", "/api/books/{id}", "401"));
        Assert.Equal(1, Requests("POST", "/api/books", "201"));
        Assert.Equal(1, Requests("GET", "/api/books/{id}", "200"));
        Assert.Equal(1, Requests("GET", "/api/books/{id}", "404"));
        Assert.Equal(1, Requests("POST", "/api/loans", "201")); // the group's "/" is the group's own path
        Assert.Equal(1, Requests("GET", "/api/loans/{id}", "200"));
        Assert.Equal(1, Requests("GET", "/api/overdue/report", "500"));
        Assert.Equal(3, Exposition.Value(text, "thebot_http_request_duration_seconds_count", ("method", "GET"), ("endpoint", "/api/books/{id}")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_request_exceptions_total", ("exception_type", "InvalidOperationException")));

        (string, string) Main = ("database", "main");
        Assert.Equal(1, Exposition.Value(text, "thebot_db_queries_total", Main, ("operation", "insert"), ("table", "Books")));
        Assert.Equal(2, Exposition.Value(text, "thebot_db_queries_total", Main, ("operation", "select"), ("table", "Books")));
        Assert.Equal(1, Exposition.Value(text, "thebot_db_queries_total", Main, ("operation", "insert"), ("table", "Loans")));
        Assert.Equal(1, Exposition.Value(text, "thebot_db_queries_total", Main, ("operation", "select"), ("table", "Loans")));
        Assert.Equal(2, Exposition.Value(text, "thebot_db_query_duration_seconds_count", Main, ("operation", "select"), ("table", "Books")));
        Assert.Equal(0, Exposition.Value(text, "thebot_db_query_errors_total", Main, ("operation", "select"), ("table", "Books")));

        // THE_BOT's business families belong to its platform: an app with only the two lines has none of them.
        foreach (var family in PlatformFamilies)
        {
            Assert.DoesNotContain(family, text, StringComparison.Ordinal);
        }

        using var analytics = await app.GetAnonymouslyAsync("/api/system/analytics/", TestApp.AdminToken);
        var business = (await analytics.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("business_since_start");
        Assert.Equal(["background_tasks", "websocket_connections"], business.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }
}
