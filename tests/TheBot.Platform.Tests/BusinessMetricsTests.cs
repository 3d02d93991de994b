using System.Net;
using TheBot.Platform.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Platform.Tests;

/// <summary>Every business feature through its endpoints, with the exact change it makes to each contract §5 family.</summary>
[Collection(PlatformCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class BusinessMetricsTests(FullPlatformFixture platform)
{
    [Fact]
    public async Task Every_business_family_counts_exactly_what_happened()
    {
        var teacher = await platform.CreateUserAsync("teacher");
        var student = await platform.CreateUserAsync();
        var other = await platform.CreateUserAsync();
        var (status, course, _) = await platform.PostAsync("/api/courses", new { title = "Algebra", description = "Linear algebra", teacherId = teacher });
        Assert.Equal(HttpStatusCode.Created, status);
        var courseId = course.GetProperty("id").GetInt64();
        var open = await CreateAssignmentAsync(courseId, DateTimeOffset.UtcNow.AddDays(7), maxLength: 50);
        var overdue = await CreateAssignmentAsync(courseId, DateTimeOffset.UtcNow.AddDays(-1), maxLength: 50);
        var closing = await CreateAssignmentAsync(courseId, DateTimeOffset.UtcNow.AddDays(7), maxLength: 50);
        Assert.Equal(HttpStatusCode.OK, (await platform.PostAsync($"/api/assignments/{closing}/close", null)).Status);
        await platform.WaitForJobsAsync();
        var before = await platform.ScrapeAsync();

        // Assignments: 1 accepted, 1 late, 3 rejected (empty, too long, closed).
        await SubmitAsync(open, student, "one two three", HttpStatusCode.Created, "accepted");
        await SubmitAsync(overdue, student, "four five", HttpStatusCode.Created, "late");
        await SubmitAsync(open, student, "   ", HttpStatusCode.UnprocessableEntity, "rejected");
        await SubmitAsync(open, student, new string('x', 51), HttpStatusCode.UnprocessableEntity, "rejected");
        await SubmitAsync(closing, student, "too late, it is closed", HttpStatusCode.UnprocessableEntity, "rejected");

        // Payments: outcomes forced by the simulator's test tokens.
        await PayAsync(student, "card", "sim_success", HttpStatusCode.Created);
        await PayAsync(student, "wallet", "sim_success", HttpStatusCode.Created);
        await PayAsync(student, "bank_transfer", "sim_decline", HttpStatusCode.PaymentRequired);
        var failed = await PayAsync(student, "wallet", "sim_fail", HttpStatusCode.BadGateway);

        // Chat: 2 group messages over REST and WebSocket, 1 private one.
        await using (var socket = await ChatClient.ConnectAsync(platform.Url, "algebra", other))
        {
            Assert.Equal(HttpStatusCode.Created, (await platform.PostAsync("/api/chat/rooms/algebra/messages", new { senderId = student, text = "hello group" })).Status);
            Assert.Equal("hello group", (await socket.ReceiveAsync("message")).GetProperty("message").GetProperty("text").GetString());
            await socket.SendAsync("hi from the socket");
            var echoed = await socket.ReceiveAsync("message");
            Assert.Equal("group", echoed.GetProperty("message").GetProperty("chatType").GetString());
            await socket.CloseAsync();
        }

        var (dmStatus, dm, _) = await platform.PostAsync($"/api/chat/rooms/dm-{student}-{other}/messages", new { senderId = student, text = "just us" });
        Assert.Equal(HttpStatusCode.Created, dmStatus);
        Assert.Equal("private", dm.GetProperty("chatType").GetString());

        // Jobs: a notification for a user that does not exist fails for good (not transient: no retry).
        Assert.Equal(HttpStatusCode.Accepted, (await platform.PostAsync("/api/jobs/notifications", new { userId = 987654321, text = "nobody" })).Status);
        await platform.WaitForJobsAsync();
        var after = await platform.WaitForMetricsAsync(
            m => m["thebot_background_tasks_total{task_name=\"send_notification\",status=\"failure\"}"] - before["thebot_background_tasks_total{task_name=\"send_notification\",status=\"failure\"}"] >= 1
                 && m["thebot_websocket_connections{type=\"chat\"}"] == 0,
            "jobs and sockets settled");

        Expect(before, after, new()
        {
            ["thebot_assignments_submitted_total{status=\"accepted\"}"] = 1,
            ["thebot_assignments_submitted_total{status=\"late\"}"] = 1,
            ["thebot_assignments_submitted_total{status=\"rejected\"}"] = 3,
            ["thebot_payments_processed_total{status=\"succeeded\",method=\"card\"}"] = 1,
            ["thebot_payments_processed_total{status=\"succeeded\",method=\"wallet\"}"] = 1,
            ["thebot_payments_processed_total{status=\"succeeded\",method=\"bank_transfer\"}"] = 0,
            ["thebot_payments_processed_total{status=\"declined\",method=\"bank_transfer\"}"] = 1,
            ["thebot_payments_processed_total{status=\"declined\",method=\"card\"}"] = 0,
            ["thebot_payments_processed_total{status=\"failed\",method=\"wallet\"}"] = 1,
            ["thebot_payments_processed_total{status=\"failed\",method=\"card\"}"] = 0,
            ["thebot_messages_sent_total{chat_type=\"group\"}"] = 2,
            ["thebot_messages_sent_total{chat_type=\"private\"}"] = 1,
            ["thebot_background_tasks_total{task_name=\"grade_submission\",status=\"success\"}"] = 2,
            ["thebot_background_tasks_total{task_name=\"reconcile_payment\",status=\"success\"}"] = 1,
            // 2 graded submissions + 1 reconciled payment notify their users.
            ["thebot_background_tasks_total{task_name=\"send_notification\",status=\"success\"}"] = 3,
            ["thebot_background_tasks_total{task_name=\"send_notification\",status=\"failure\"}"] = 1,
            ["thebot_background_tasks_total{task_name=\"send_notification\",status=\"retry\"}"] = 0,
            ["thebot_background_task_duration_seconds_count{task_name=\"grade_submission\"}"] = 2,
        });
        Assert.Equal(0, after["thebot_background_queue_depth{queue=\"default\"}"]);
        Assert.Equal(0, after["thebot_websocket_connections{type=\"chat\"}"]);

        // The work the jobs did is visible through the API.
        var (_, payment, _) = await platform.GetAsync($"/api/payments/{failed}");
        Assert.Equal("failed", payment.GetProperty("status").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, payment.GetProperty("reconciledAt").ValueKind);
        var (_, notifications, _) = await platform.GetAsync($"/api/users/{student}/notifications");
        Assert.Equal(3, notifications.GetArrayLength());
    }

    [Fact]
    public async Task Http_db_and_cache_families_count_one_read_through_exactly()
    {
        var before = await platform.ScrapeAsync();
        var user = await platform.CreateUserAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync($"/api/users/{user}")).Status);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await platform.GetAsync("/api/no/such/thing")).Status);
        var after = await platform.ScrapeAsync();

        Expect(before, after, new()
        {
            ["thebot_http_requests_total{method=\"POST\",endpoint=\"/api/users\",status=\"201\"}"] = 1,
            ["thebot_http_requests_total{method=\"GET\",endpoint=\"/api/users/{id}\",status=\"200\"}"] = 3,
            ["thebot_http_request_duration_seconds_count{method=\"GET\",endpoint=\"/api/users/{id}\"}"] = 3,
            ["thebot_http_requests_total{method=\"GET\",endpoint=\"unmatched\",status=\"404\"}"] = 1,
            ["thebot_db_queries_total{database=\"thebot\",operation=\"insert\",table=\"users\"}"] = 1,
            ["thebot_db_queries_total{database=\"thebot\",operation=\"select\",table=\"users\"}"] = 1,
            ["thebot_db_query_duration_seconds_count{database=\"thebot\",operation=\"select\",table=\"users\"}"] = 1,
            ["thebot_cache_misses_total{cache_name=\"redis\"}"] = 1,
            ["thebot_cache_hits_total{cache_name=\"redis\"}"] = 2,
            ["thebot_cache_errors_total{cache_name=\"redis\"}"] = 0,
        });
        Assert.Equal(0, after.Sum("thebot_http_request_exceptions_total") - before.Sum("thebot_http_request_exceptions_total"));
    }

    [Fact]
    public async Task Exposition_has_every_spec_family_and_the_service_name()
    {
        var metrics = await platform.ScrapeAsync();
        foreach (var family in new[]
                 {
                     // thebot_http_request_exceptions_total has no series until a request fails (see PostgresOutageTests).
                     "thebot_http_requests_total", "thebot_http_request_duration_seconds",
                     "thebot_db_queries_total", "thebot_db_query_duration_seconds", "thebot_cache_hits_total", "thebot_cache_misses_total",
                     "thebot_messages_sent_total", "thebot_assignments_submitted_total", "thebot_payments_processed_total",
                     "thebot_websocket_connections", "thebot_background_tasks_total", "thebot_background_queue_depth",
                 })
        {
            Assert.True(metrics.HasFamily(family) || metrics.Series.Keys.Any(k => k.StartsWith(family, StringComparison.Ordinal)), $"{family} missing");
        }

        Assert.Contains(metrics.Series.Keys, k => k.StartsWith("thebot_build_info{service=\"thebot-backend\"", StringComparison.Ordinal));
    }

    internal static void Expect(MetricsSnapshot before, MetricsSnapshot after, Dictionary<string, double> deltas)
    {
        var wrong = deltas.Where(d => MetricsSnapshot.Delta(before, after, d.Key) != d.Value)
            .Select(d => $"{d.Key}: expected +{d.Value}, got +{MetricsSnapshot.Delta(before, after, d.Key)}").ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    private async Task<long> CreateAssignmentAsync(long courseId, DateTimeOffset dueAt, int maxLength)
    {
        var (status, body, _) = await platform.PostAsync($"/api/courses/{courseId}/assignments", new { title = "Homework", dueAt, maxLength });
        Assert.Equal(HttpStatusCode.Created, status);
        return body.GetProperty("id").GetInt64();
    }

    private async Task SubmitAsync(long assignment, long student, string content, HttpStatusCode expected, string outcome)
    {
        var (status, body, contentType) = await platform.PostAsync($"/api/assignments/{assignment}/submissions", new { studentId = student, content });
        Assert.Equal(expected, status);
        if (outcome == "rejected")
        {
            Assert.Equal("application/problem+json", contentType);
            Assert.Equal("rejected", body.GetProperty("submissionStatus").GetString());
        }
        else
        {
            Assert.Equal(outcome, body.GetProperty("status").GetString());
        }
    }

    private async Task<long> PayAsync(long user, string method, string token, HttpStatusCode expected)
    {
        var (status, body, _) = await platform.PostAsync("/api/payments", new { userId = user, amountCents = 1999, currency = "EUR", method, token });
        Assert.Equal(expected, status);
        return body.TryGetProperty("paymentId", out var id) ? id.GetInt64() : body.GetProperty("id").GetInt64();
    }
}
