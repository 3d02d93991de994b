using System.Diagnostics;
using System.Net;
using TheBot.Platform.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>PostgreSQL goes away and comes back while the backend runs.</summary>
public sealed class PostgresOutageTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task Readiness_fails_fast_db_endpoints_answer_503_and_everything_recovers_without_restart()
    {
        var user = await platform.CreateUserAsync();
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/users")).Status);
        var before = await platform.ScrapeAsync();

        await platform.Postgres.StopAsync();
        var down = Stopwatch.StartNew();
        await TestHttp.WaitUntilAsync(async () => (await platform.GetAsync("/api/system/readiness/")).Status == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(5), () => "readiness still 200 five seconds after PostgreSQL stopped");
        Assert.True(down.Elapsed < TimeSpan.FromSeconds(5), $"readiness turned 503 after {down.Elapsed}");
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/system/liveness/")).Status);
        var (healthStatus, health, _) = await platform.GetAsync("/api/system/health/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthStatus);
        Assert.Equal("unhealthy", health.GetProperty("components").GetProperty("database").GetProperty("status").GetString());

        // Endpoints that need the database: 503 problem details, fast.
        var unavailable = 0;
        foreach (var (method, path, body) in new (string, string, object?)[]
                 {
                     ("GET", "/api/users", null),
                     ("POST", "/api/users", new { name = "N", email = $"{Guid.NewGuid():N}@example.org" }),
                     ("GET", "/api/courses/1", null),
                     ("GET", "/api/chat/rooms/any/messages", null),
                     ("GET", "/api/payments/1", null),
                 })
        {
            var watch = Stopwatch.StartNew();
            var (status, problem, contentType) = await platform.SendAsync(new HttpMethod(method), path, body);
            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{method} {path}: {(int)status} {problem}");
            Assert.Equal("application/problem+json", contentType);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"{method} {path} took {watch.Elapsed}");
            unavailable++;
        }

        // A job that needs the database is retried, then fails for good (MaxAttempts=3, 100 ms apart).
        Assert.Equal(HttpStatusCode.Accepted, (await platform.PostAsync("/api/jobs/notifications", new { userId = user, text = "during the outage" })).Status);
        var during = await platform.WaitForMetricsAsync(
            m => m["thebot_background_tasks_total{task_name=\"send_notification\",status=\"failure\"}"] == 1, "job failed after retries");
        Assert.Equal(2, during["thebot_background_tasks_total{task_name=\"send_notification\",status=\"retry\"}"]);
        Assert.Equal(unavailable, during.Sum("thebot_http_request_exceptions_total") - before.Sum("thebot_http_request_exceptions_total"));
        double BusinessUnavailable(MetricsSnapshot m) =>
            m.Sum("thebot_http_requests_total", "status=\"503\"", "endpoint=\"/api/") - m.Sum("thebot_http_requests_total", "status=\"503\"", "endpoint=\"/api/system/");
        Assert.Equal(unavailable, BusinessUnavailable(during) - BusinessUnavailable(before));
        Assert.True(during.Sum("thebot_http_request_exceptions_total", "exception_type=\"NpgsqlException\"") >= 1, during.Text);

        // Back: readiness and the endpoints recover by themselves.
        await platform.Postgres.StartAsync();
        await platform.WaitReadyAsync(platform.Url, TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/users")).Status);
        Assert.Equal(HttpStatusCode.Created, (await platform.PostAsync("/api/users", new { name = "After", email = $"{Guid.NewGuid():N}@example.org" })).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await platform.PostAsync("/api/jobs/notifications", new { userId = user, text = "after the outage" })).Status);
        await platform.WaitForMetricsAsync(
            m => m["thebot_background_tasks_total{task_name=\"send_notification\",status=\"success\"}"] == 1, "job succeeds again");
    }
}
