using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TheBot.Monitoring.Tests.SampleApp;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// The two lines on an app shaped like a typical public one (<see cref="LendingApp"/>: controllers + minimal APIs,
/// EF Core on SQLite with its own tables, an IMemoryCache lookup, a FallbackPolicy, UseExceptionHandler): every family
/// the library gives an app is declared before any traffic, and after known traffic each family's samples are
/// compared whole — every series with its exact labels and value, none missing and none extra — then once more after
/// the database's folder is removed. The system endpoints answer despite the policy, and none of THE_BOT's business
/// families shows up.
/// </summary>
public sealed class SampleAppTests
{
    private static readonly (string Name, string Type)[] LibraryFamilies =
    [
        ("thebot_http_requests_total", "counter"), ("thebot_http_request_duration_seconds", "histogram"),
        ("thebot_http_request_exceptions_total", "counter"), ("thebot_http_requests_in_flight", "gauge"),
        ("thebot_db_queries_total", "counter"), ("thebot_db_query_duration_seconds", "histogram"),
        ("thebot_db_query_errors_total", "counter"), ("thebot_db_connection_errors_total", "counter"),
        ("thebot_cache_hits_total", "counter"), ("thebot_cache_misses_total", "counter"), ("thebot_cache_errors_total", "counter"),
        ("thebot_websocket_connections", "gauge"), ("thebot_websocket_session_duration_seconds", "histogram"),
        ("thebot_background_tasks_total", "counter"), ("thebot_background_task_duration_seconds", "histogram"),
        ("thebot_background_queue_depth", "gauge"), ("thebot_build_info", "gauge"), ("thebot_health_component_up", "gauge"),
    ];

    // The library counts these only when the app calls WorkloadMetrics (TrackWebSocket, StartTask, SetQueueDepth); a
    // public app written without the library never does, so they are declared and stay without a series.
    private static readonly string[] WorkloadFamilies =
    [
        "thebot_websocket_connections", "thebot_websocket_session_duration_seconds", "thebot_background_tasks_total",
        "thebot_background_task_duration_seconds", "thebot_background_queue_depth",
    ];

    private static readonly string[] PlatformFamilies =
        ["thebot_messages_sent", "thebot_assignments_submitted", "thebot_payments_processed"];

    [Fact]
    public async Task Each_family_and_label_is_exact_on_an_app_nobody_here_wrote()
    {
        await using var app = await LendingApp.StartAsync();
        var traffic = new ExpectedTraffic();

        // Before any traffic of its own: every family is declared with its type, the unlabelled in-flight gauge has
        // its series (the scrape itself), and build info names the app as the host does.
        var before = await app.ScrapeAsync();
        // Counted once it has been answered; the system endpoints' label is their route template as routing shows it
        // (the group's path and the endpoint's, without the trailing slash of the URL).
        traffic.Count("GET", "/api/system/metrics/prometheus", HttpStatusCode.OK);
        var lines = $"\n{before}"; // so that the first family's HELP starts a line like the others
        foreach (var (family, type) in LibraryFamilies)
        {
            Assert.Contains($"\n# HELP {family} ", lines, StringComparison.Ordinal);
            Assert.Contains($"\n# TYPE {family} {type}\n", lines, StringComparison.Ordinal);
        }

        Assert.Equal(1, Exposition.Value(before, "thebot_http_requests_in_flight"));
        Assert.Empty(Exposition.Samples(before, "thebot_http_requests_total"));
        var service = app.Services.GetRequiredService<IHostEnvironment>().ApplicationName; // the default: no ServiceName configured
        var version = Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        string[] buildInfo = [Exposition.Sample("thebot_build_info", [("service", service), ("version", version)], 1)];
        AssertSamples(buildInfo, before, "thebot_build_info");

        // The policy is in force for the app's own endpoints, not for probes.
        (await traffic.SendAsync(() => app.GetAnonymouslyAsync("/api/books/1"), "GET", "/api/books/{id}", HttpStatusCode.Unauthorized)).Dispose();
        await WaitForReadinessAsync(app, traffic, HttpStatusCode.OK);
        (await traffic.SendAsync(() => app.GetAnonymouslyAsync("/api/system/liveness/"), "GET", "/api/system/liveness", HttpStatusCode.OK)).Dispose();

        await app.SignInAsync("ada");
        traffic.Count("POST", "/api/login", HttpStatusCode.OK);
        (await traffic.SendAsync(() => app.Client.PostAsJsonAsync("/api/books", new { title = "Dune" }), "POST", "/api/books", HttpStatusCode.Created)).Dispose();
        (await traffic.SendAsync(() => app.Client.GetAsync("/api/books/1"), "GET", "/api/books/{id}", HttpStatusCode.OK)).Dispose();
        (await traffic.SendAsync(() => app.Client.GetAsync("/api/books/999"), "GET", "/api/books/{id}", HttpStatusCode.NotFound)).Dispose();
        // The group's "/" is the group's own path.
        (await traffic.SendAsync(() => app.Client.PostAsJsonAsync("/api/loans", new { bookId = 1, borrower = "ada" }), "POST", "/api/loans", HttpStatusCode.Created)).Dispose();
        (await traffic.SendAsync(() => app.Client.GetAsync("/api/loans/1"), "GET", "/api/loans/{id}", HttpStatusCode.OK)).Dispose();
        // The first lookup misses and counts the books in the database; the second is answered from the cache alone.
        for (var lookup = 0; lookup < 2; lookup++)
        {
            using var size = await traffic.SendAsync(() => app.Client.GetAsync("/api/catalogue/size"), "GET", "/api/catalogue/size", HttpStatusCode.OK);
            Assert.Equal(1, (await size.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("books").GetInt32());
        }

        using (var crashed = await traffic.SendAsync(() => app.Client.GetAsync("/api/overdue/report"), "GET", "/api/overdue/report", HttpStatusCode.InternalServerError))
        {
            Assert.Equal("application/problem+json", crashed.Content.Headers.ContentType?.MediaType); // the app's own handler answered
        }

        // Just before the scrape, so that the components' statuses are the ones the scrape sees (probed every 200 ms).
        JsonElement components;
        using (var health = await traffic.SendAsync(() => app.GetAnonymouslyAsync("/api/system/health/"), "GET", "/api/system/health", HttpStatusCode.OK))
        {
            var report = await health.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(service, report.GetProperty("service").GetString());
            Assert.Equal(version, report.GetProperty("version").GetString());
            components = report.GetProperty("components");
        }

        var text = await app.ScrapeAsync();

        // HTTP: every series the traffic above made, and no other (no "unmatched", no raw paths).
        AssertSamples(traffic.Requests(), text, "thebot_http_requests_total");
        AssertSamples(traffic.Durations(), text, "thebot_http_request_duration_seconds", only: "thebot_http_request_duration_seconds_count");
        AssertSamples([Exposition.Sample("thebot_http_request_exceptions_total", [("exception_type", "InvalidOperationException")], 1)], text, "thebot_http_request_exceptions_total");
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_in_flight"));

        // Database: EnsureCreated at start — EF's SQLite creator switches the new file to WAL (PRAGMA journal_mode)
        // and creates one table per entity type, statements without a main table — then the commands the requests
        // ran. Books is read by both finds and by the one lookup that missed the cache. Nothing failed, and no
        // connection error either: EnsureCreated's probe of a file not created yet is a failure EF expects.
        var queries = new ExpectedQueries();
        using (var scope = app.Services.CreateScope())
        {
            queries.Add("other", "none", times: 1 + scope.ServiceProvider.GetRequiredService<LendingContext>().Model.GetEntityTypes().Count());
        }

        queries.Add("insert", "Books").Add("select", "Books", times: 3).Add("insert", "Loans").Add("select", "Loans");
        AssertSamples(queries.Totals(), text, "thebot_db_queries_total");
        AssertSamples(queries.Errors(), text, "thebot_db_query_errors_total");
        AssertSamples(queries.DurationCounts(), text, "thebot_db_query_duration_seconds", only: "thebot_db_query_duration_seconds_count");
        Assert.Empty(Exposition.Samples(text, "thebot_db_connection_errors_total"));

        // Cache: the app's IMemoryCache, one miss and one hit; no Redis or HybridCache series in an app without them.
        AssertSamples([Exposition.Sample("thebot_cache_hits_total", [("cache_name", "memory")], 1)], text, "thebot_cache_hits_total");
        AssertSamples([Exposition.Sample("thebot_cache_misses_total", [("cache_name", "memory")], 1)], text, "thebot_cache_misses_total");
        AssertSamples([Exposition.Sample("thebot_cache_errors_total", [("cache_name", "memory")], 0)], text, "thebot_cache_errors_total");

        // Health: one series per registered component — database through the EF context's CanConnectAsync, no cache
        // component (no IDistributedCache) — each 1 exactly when the health endpoint called it healthy. Disk and
        // memory depend on this machine, so their expected value is what the endpoint reported, not a constant.
        Assert.Equal("healthy", components.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("healthy", components.GetProperty("job_queue").GetProperty("status").GetString());
        AssertSamples(HealthSamples(components), text, "thebot_health_component_up");
        AssertSamples(buildInfo, text, "thebot_build_info");

        foreach (var family in WorkloadFamilies)
        {
            Assert.Empty(Exposition.Samples(text, family));
        }

        // THE_BOT's business families belong to its platform: an app with only the two lines has none of them.
        foreach (var family in PlatformFamilies)
        {
            Assert.DoesNotContain(family, text, StringComparison.Ordinal);
        }

        using (var analytics = await app.GetAnonymouslyAsync("/api/system/analytics/", TestApp.AdminToken))
        {
            traffic.Count("GET", "/api/system/analytics", analytics.StatusCode);
            var business = (await analytics.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("business_since_start");
            Assert.Equal(["background_tasks", "websocket_connections"], business.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Empty(business.GetProperty("background_tasks").EnumerateObject());
            Assert.Equal(0, business.GetProperty("websocket_connections").GetDouble());
        }

        // The database's folder goes away. A request that needs it fails to open its connection (counted once, as a
        // connection error: no command ran, so the query families do not move), and the readiness check's
        // CanConnectAsync turns database to 0 and readiness to 503.
        traffic.Count("GET", "/api/system/metrics/prometheus", HttpStatusCode.OK);
        app.MakeDatabaseUnopenable();
        (await traffic.SendAsync(() => app.Client.GetAsync("/api/books/1"), "GET", "/api/books/{id}", HttpStatusCode.InternalServerError)).Dispose();
        await WaitForReadinessAsync(app, traffic, HttpStatusCode.ServiceUnavailable);
        var down = await app.ScrapeAsync();

        AssertSamples([Exposition.Sample("thebot_db_connection_errors_total", [("database", "main")], 1)], down, "thebot_db_connection_errors_total");
        AssertSamples(queries.Totals(), down, "thebot_db_queries_total");
        AssertSamples(queries.Errors(), down, "thebot_db_query_errors_total");
        Assert.Equal(0, Exposition.Value(down, "thebot_health_component_up", ("component", "database")));
        Assert.Equal(components.EnumerateObject().Select(c => c.Name).ToHashSet(), Exposition.LabelValues(down, "thebot_health_component_up", "component"));
        AssertSamples(traffic.Requests(), down, "thebot_http_requests_total");
        AssertSamples(
            [
                Exposition.Sample("thebot_http_request_exceptions_total", [("exception_type", "InvalidOperationException")], 1),
                Exposition.Sample("thebot_http_request_exceptions_total", [("exception_type", "SqliteException")], 1),
            ], down, "thebot_http_request_exceptions_total");
    }

    /// <summary>Compares a family's samples with the expected ones as text, one a line, so a failure shows which series differ.</summary>
    private static void AssertSamples(IEnumerable<string> expected, string exposition, string family, string? only = null) =>
        Assert.Equal(string.Join('\n', expected),
            string.Join('\n', Exposition.Samples(exposition, family).Where(s => only is null || s.StartsWith($"{only}{{", StringComparison.Ordinal))));

    /// <summary>Polls readiness until it answers <paramref name="expected"/>, counting every answer it got on the way.</summary>
    private static Task WaitForReadinessAsync(LendingApp app, ExpectedTraffic traffic, HttpStatusCode expected) =>
        TestHttp.WaitUntilAsync(async () =>
        {
            using var ready = await app.GetAnonymouslyAsync("/api/system/readiness/");
            traffic.Count("GET", "/api/system/readiness", ready.StatusCode);
            return ready.StatusCode == expected;
        }, TimeSpan.FromSeconds(10), () => $"readiness never answered {(int)expected} to an anonymous probe");

    /// <summary>thebot_health_component_up as the health endpoint's components say it must be: 1 for healthy, else 0.</summary>
    private static IEnumerable<string> HealthSamples(JsonElement components) =>
        components.EnumerateObject()
            .Select(c => Exposition.Sample("thebot_health_component_up", [("component", c.Name)], c.Value.GetProperty("status").GetString() == "healthy" ? 1 : 0))
            .Order(StringComparer.Ordinal);
}
