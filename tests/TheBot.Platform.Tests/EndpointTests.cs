using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using TheBot.Platform.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Platform.Tests;

/// <summary>Each endpoint of the backend answers what it documents.</summary>
[Collection(PlatformCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class EndpointTests(FullPlatformFixture platform)
{
    [Fact]
    public async Task Users_courses_assignments_and_submissions_read_back()
    {
        var teacher = await platform.CreateUserAsync("teacher");
        var student = await platform.CreateUserAsync();
        var (_, user, _) = await platform.GetAsync($"/api/users/{student}");
        Assert.Equal("student", user.GetProperty("role").GetString());
        var (listStatus, users, _) = await platform.GetAsync("/api/users?limit=500");
        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Contains(users.EnumerateArray(), u => u.GetProperty("id").GetInt64() == teacher);

        var (_, course, _) = await platform.PostAsync("/api/courses", new { title = "Physics", teacherId = teacher });
        var courseId = course.GetProperty("id").GetInt64();
        Assert.Contains((await platform.GetAsync("/api/courses")).Body.EnumerateArray(), c => c.GetProperty("id").GetInt64() == courseId);
        Assert.Equal("Physics", (await platform.GetAsync($"/api/courses/{courseId}")).Body.GetProperty("title").GetString());

        var (_, assignment, _) = await platform.PostAsync($"/api/courses/{courseId}/assignments", new { title = "Lab report", dueAt = DateTimeOffset.UtcNow.AddDays(3) });
        var assignmentId = assignment.GetProperty("id").GetInt64();
        Assert.Equal(10_000, assignment.GetProperty("maxLength").GetInt32());
        Assert.Single((await platform.GetAsync($"/api/courses/{courseId}/assignments")).Body.EnumerateArray());
        Assert.Equal("Lab report", (await platform.GetAsync($"/api/assignments/{assignmentId}")).Body.GetProperty("title").GetString());

        var (_, submission, _) = await platform.PostAsync($"/api/assignments/{assignmentId}/submissions", new { studentId = student, content = "measured g = 9.81" });
        var submissionId = submission.GetProperty("id").GetInt64();
        Assert.Single((await platform.GetAsync($"/api/assignments/{assignmentId}/submissions")).Body.EnumerateArray());
        await platform.WaitForJobsAsync();
        var (_, graded, _) = await platform.GetAsync($"/api/submissions/{submissionId}");
        Assert.Equal(JsonValueKind.Number, graded.GetProperty("grade").ValueKind);

        var (closeStatus, closed, _) = await platform.PostAsync($"/api/assignments/{assignmentId}/close", null);
        Assert.Equal(HttpStatusCode.OK, closeStatus);
        Assert.True(closed.GetProperty("closed").GetBoolean());

        // Teachers only: a student cannot own a course.
        Assert.Equal(HttpStatusCode.BadRequest, (await platform.PostAsync("/api/courses", new { title = "X", teacherId = student })).Status);
        // The same e-mail twice is a conflict, not an error.
        var email = $"{Guid.NewGuid():N}@example.org";
        Assert.Equal(HttpStatusCode.Created, (await platform.PostAsync("/api/users", new { name = "A", email })).Status);
        var (dupStatus, _, dupType) = await platform.PostAsync("/api/users", new { name = "B", email });
        Assert.Equal(HttpStatusCode.Conflict, dupStatus);
        Assert.Equal("application/problem+json", dupType);
    }

    [Fact]
    public async Task Chat_history_payments_and_jobs_read_back()
    {
        var user = await platform.CreateUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await platform.PostAsync("/api/chat/rooms/history-room/messages", new { senderId = user, text = "first" })).Status);
        Assert.Equal(HttpStatusCode.Created, (await platform.PostAsync("/api/chat/rooms/history-room/messages", new { senderId = user, text = "second" })).Status);
        var (_, history, _) = await platform.GetAsync("/api/chat/rooms/history-room/messages?limit=10");
        Assert.Equal(["second", "first"], history.EnumerateArray().Select(m => m.GetProperty("text").GetString()));

        var (payStatus, payment, _) = await platform.PostAsync("/api/payments", new { userId = user, amountCents = 500, currency = "USD", method = "card" });
        Assert.Equal(HttpStatusCode.Created, payStatus);
        var (_, read, _) = await platform.GetAsync($"/api/payments/{payment.GetProperty("id").GetInt64()}");
        Assert.Equal("succeeded", read.GetProperty("status").GetString());
        Assert.StartsWith("sim_", read.GetProperty("providerReference").GetString());

        var (jobStatus, job, _) = await platform.PostAsync("/api/jobs/notifications", new { userId = user, text = "welcome" });
        Assert.Equal(HttpStatusCode.Accepted, jobStatus);
        Assert.Equal("send_notification", job.GetProperty("taskName").GetString());
        await platform.WaitForJobsAsync();
        var (_, queue, _) = await platform.GetAsync("/api/jobs");
        Assert.True(queue.GetProperty("running").GetBoolean());
        Assert.Equal((0, 0, 0), (queue.GetProperty("depth").GetInt64(), queue.GetProperty("inFlight").GetInt64(), queue.GetProperty("delayed").GetInt64()));
        Assert.Equal("welcome", (await platform.GetAsync($"/api/users/{user}/notifications")).Body[0].GetProperty("body").GetString());
    }

    [Fact]
    public async Task System_endpoints_answer_with_tokens_and_components()
    {
        var (healthStatus, health, _) = await platform.GetAsync("/api/system/health/");
        Assert.Equal(HttpStatusCode.OK, healthStatus);
        foreach (var component in new[] { "database", "cache", "disk", "memory", "job_queue", "schema" })
        {
            Assert.True(health.GetProperty("components").TryGetProperty(component, out _), $"component {component} missing: {health}");
        }

        var (readyStatus, ready, _) = await platform.GetAsync("/api/system/readiness/");
        Assert.Equal(HttpStatusCode.OK, readyStatus);
        Assert.Equal("healthy", ready.GetProperty("components").GetProperty("schema").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/system/liveness/")).Status);

        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.GetAsync("/api/system/metrics/prometheus/")).Status);
        foreach (var path in new[] { "/api/system/metrics/", "/api/system/analytics/", "/api/system/prometheus/config/" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await platform.GetAsync(path)).Status);
            using var request = new HttpRequestMessage(HttpMethod.Get, platform.Url + path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PlatformFixture.AdminToken);
            using var response = await platform.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Fault_switch_adds_latency_and_slow_queries_only_when_enabled_outside_production()
    {
        Assert.Equal(HttpStatusCode.OK, (await platform.SendAsync(HttpMethod.Post, "/api/test/faults", new { latencyMilliseconds = 400, errorRate = 0 })).Status);
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/jobs")).Status);
            Assert.True(watch.ElapsedMilliseconds >= 400, $"took {watch.ElapsedMilliseconds} ms");
            watch.Restart();
            Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/system/liveness/")).Status);
            Assert.True(watch.ElapsedMilliseconds < 400, "system endpoints are never slowed down");
            Assert.Equal(400, (await platform.GetAsync("/api/test/faults")).Body.GetProperty("latencyMilliseconds").GetInt32());
            Assert.Equal(HttpStatusCode.BadRequest, (await platform.SendAsync(HttpMethod.Post, "/api/test/faults", new { latencyMilliseconds = -1, errorRate = 2 })).Status);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await platform.SendAsync(HttpMethod.Delete, "/api/test/faults")).Status);
        }

        // A slow-query fault runs a real pg_sleep through the instrumented data source: the slow-query line (0.5 s) sees it.
        var before = await platform.ScrapeAsync();
        Assert.Equal(HttpStatusCode.OK, (await platform.SendAsync(HttpMethod.Post, "/api/test/faults", new { latencyMilliseconds = 0, errorRate = 0, slowQueryMilliseconds = 600 })).Status);
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/jobs")).Status);
            Assert.True(watch.ElapsedMilliseconds >= 600, $"took {watch.ElapsedMilliseconds} ms");
            Assert.Equal(HttpStatusCode.BadRequest, (await platform.SendAsync(HttpMethod.Post, "/api/test/faults", new { latencyMilliseconds = 0, errorRate = 0, slowQueryMilliseconds = 60_001 })).Status);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await platform.SendAsync(HttpMethod.Delete, "/api/test/faults")).Status);
        }

        var after = await platform.ScrapeAsync();
        static double Slow(MetricsSnapshot m) =>
            m.Sum("thebot_db_query_duration_seconds_count", "operation=\"select\"") - m.Sum("thebot_db_query_duration_seconds_bucket", "operation=\"select\"", "le=\"0.5\"");
        Assert.Equal(1, Slow(after) - Slow(before));

        // The same build in Production (or with Faults:Enabled=false) does not even map the endpoint.
        await using var production = await ServiceProcess.StartAsync("TheBot.Api", platform.BackendEnvironment(environment: "Production", faults: true));
        Assert.Equal(HttpStatusCode.NotFound, (await platform.SendAsync(HttpMethod.Post, "/api/test/faults", new { latencyMilliseconds = 1, errorRate = 0 }, production.Url)).Status);
        await using var disabled = await ServiceProcess.StartAsync("TheBot.Api", platform.BackendEnvironment(environment: "Development", faults: false));
        Assert.Equal(HttpStatusCode.NotFound, (await platform.GetAsync("/api/test/faults", disabled.Url)).Status);
    }

    [Fact]
    public async Task The_exception_drill_throws_only_for_the_admin_token()
    {
        var before = await platform.ScrapeAsync();
        async Task<HttpStatusCode> DrillAsync(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, platform.Url + "/api/drills/exception");
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await platform.Http.SendAsync(request);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await DrillAsync(null));
        Assert.Equal(HttpStatusCode.Forbidden, await DrillAsync(PlatformFixture.ScrapeToken));
        Assert.Equal(HttpStatusCode.InternalServerError, await DrillAsync(PlatformFixture.AdminToken));

        var after = await platform.ScrapeAsync();
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, "thebot_http_request_exceptions_total{exception_type=\"DrillException\"}"));
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, "thebot_http_requests_total{method=\"POST\",endpoint=\"/api/drills/exception\",status=\"500\"}"));
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, "thebot_http_requests_total{method=\"POST\",endpoint=\"/api/drills/exception\",status=\"401\"}"));
        Assert.Equal(1, MetricsSnapshot.Delta(before, after, "thebot_http_requests_total{method=\"POST\",endpoint=\"/api/drills/exception\",status=\"403\"}"));
    }
}
