using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using TheBot.Platform.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Platform.Tests;

/// <summary>Bad input is answered 4xx problem details, never 500.</summary>
[Collection(PlatformCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed partial class BadInputTests(FullPlatformFixture platform)
{
    public static TheoryData<string, string, string?, int> Cases => new()
    {
        // method, path, raw JSON body (null: none), expected status
        { "POST", "/api/users", "{bad json", 400 },
        { "POST", "/api/users", "", 400 },
        { "POST", "/api/users", "null", 400 },
        { "POST", "/api/users", "[1,2]", 400 },
        { "POST", "/api/users", "{\"name\": 42}", 400 },
        { "POST", "/api/users", "{\"name\": \"\", \"email\": \"x@y.z\"}", 400 },
        { "POST", "/api/users", "{\"name\": \"A\", \"email\": \"not-an-email\"}", 400 },
        { "POST", "/api/users", "{\"name\": \"A\", \"email\": \"a@b.c\", \"role\": \"root\"}", 400 },
        { "GET", "/api/users?limit=abc", null, 400 },
        { "GET", "/api/users?limit=0", null, 400 },
        { "POST", "/api/users", "{\"name\": \"a\\u0000\", \"email\": \"nul@example.org\"}", 400 },
        { "POST", "/api/users", "{\"name\": \"a\\u0007b\", \"email\": \"bell@example.org\"}", 400 },
        { "POST", "/api/users", "{\"name\": \"two\\nlines\", \"email\": \"nl@example.org\"}", 400 },
        { "POST", "/api/users", "{\"name\": \"A\", \"email\": \"a\\u0000@example.org\"}", 400 },
        { "POST", "/api/users", "{\"name\": \"half \\ud800 pair\", \"email\": \"sur@example.org\"}", 400 },
        { "GET", "/api/users/abc", null, 400 },
        { "GET", "/api/users/99999999999999999999999", null, 400 },
        { "GET", "/api/users/0", null, 400 },
        { "GET", "/api/users/987654321", null, 404 },
        { "GET", "/api/users/-5", null, 400 },
        { "GET", "/api/users/1.5", null, 400 },
        { "GET", "/api/users/abc/notifications", null, 400 },
        { "GET", "/api/courses/abc", null, 400 },
        { "GET", "/api/courses/-1/assignments", null, 400 },
        { "POST", "/api/courses", "{\"title\": \"T\\u0000\", \"teacherId\": 1}", 400 },
        { "POST", "/api/courses", "{\"title\": \"T\", \"description\": \"d\\u0000\", \"teacherId\": 1}", 400 },
        { "POST", "/api/courses/1/assignments", "{\"title\": \"T\\u001b[31m\", \"dueAt\": \"2030-01-01T00:00:00Z\"}", 400 },
        { "GET", "/api/courses/987654321", null, 404 },
        { "POST", "/api/courses", "{\"title\": \"T\"}", 400 },
        { "POST", "/api/courses", "{\"title\": \"T\", \"teacherId\": \"x\"}", 400 },
        { "POST", "/api/courses/987654321/assignments", "{\"title\": \"T\", \"dueAt\": \"2030-01-01T00:00:00Z\"}", 404 },
        { "POST", "/api/courses/1/assignments", "{\"title\": \"T\", \"dueAt\": \"not a date\"}", 400 },
        { "POST", "/api/courses/1/assignments", "{\"title\": \"T\"}", 400 },
        { "GET", "/api/assignments/abc", null, 400 },
        { "POST", "/api/assignments/0/close", null, 400 },
        { "POST", "/api/assignments/1/submissions", "{\"studentId\": 1, \"content\": \"x\\u0000\"}", 400 },
        { "GET", "/api/assignments/987654321", null, 404 },
        { "POST", "/api/assignments/987654321/close", null, 404 },
        { "POST", "/api/assignments/987654321/submissions", "{\"studentId\": 1, \"content\": \"x\"}", 404 },
        { "POST", "/api/assignments/1/submissions", "{\"studentId\": 1}", 400 },
        { "POST", "/api/assignments/1/submissions", "{\"content\": \"x\"}", 400 },
        { "GET", "/api/submissions/987654321", null, 404 },
        { "POST", "/api/chat/rooms/Bad Room!/messages", "{\"senderId\": 1, \"text\": \"x\"}", 400 },
        { "POST", "/api/chat/rooms/ok-room/messages", "{\"senderId\": 1, \"text\": \"\"}", 400 },
        { "POST", "/api/chat/rooms/ok-room/messages", "{\"senderId\": 987654321, \"text\": \"x\"}", 404 },
        { "POST", "/api/chat/rooms/ok-room/messages", "{\"senderId\": 1, \"text\": \"a\\u0000b\"}", 400 },
        { "POST", "/api/chat/rooms/ok-room/messages", "{\"senderId\": 1, \"text\": \"\\u0000\"}", 400 },
        { "POST", "/api/chat/rooms/ok-room/messages", "{\"senderId\": 1, \"text\": \"a\\u0008\\u007fb\"}", 400 },
        { "GET", "/api/chat/rooms/ok-room/messages?limit=100000", null, 400 },
        { "GET", "/ws/chat/ok-room?userId=1", null, 400 },
        { "POST", "/api/payments", "{\"userId\": 1, \"amountCents\": -5, \"currency\": \"EUR\", \"method\": \"card\"}", 400 },
        { "POST", "/api/payments", "{\"userId\": 1, \"amountCents\": 5, \"currency\": \"euro\", \"method\": \"card\"}", 400 },
        { "POST", "/api/payments", "{\"userId\": 1, \"amountCents\": 5, \"currency\": \"EUR\", \"method\": \"cash\"}", 400 },
        { "POST", "/api/payments", "{\"userId\": 987654321, \"amountCents\": 5, \"currency\": \"EUR\", \"method\": \"card\"}", 404 },
        { "POST", "/api/payments", "{\"userId\": 1, \"amountCents\": 99999999999999999999999, \"currency\": \"EUR\", \"method\": \"card\"}", 400 },
        { "POST", "/api/payments", "{\"userId\": 1, \"amountCents\": 5, \"currency\": \"EUR\", \"method\": \"card\", \"token\": \"t\\u0000\"}", 400 },
        { "GET", "/api/payments/abc", null, 400 },
        { "GET", "/api/payments/-987654321", null, 400 },
        { "GET", "/api/payments/987654321", null, 404 },
        { "POST", "/api/jobs/notifications", "{\"userId\": 0, \"text\": \"x\"}", 400 },
        { "POST", "/api/jobs/notifications", "{\"userId\": 1}", 400 },
        { "POST", "/api/jobs/notifications", "{\"userId\": 1, \"text\": \"x\\u0000\"}", 400 },
        { "GET", "/api/system/metrics/?window=forever", null, 400 },
        { "GET", "/api/system/analytics/?window=-5m", null, 400 },
        { "DELETE", "/api/users/1", null, 405 },
        { "GET", "/api/nothing/here", null, 404 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_a_4xx_problem(string method, string path, string? json, int expected)
    {
        using var request = BuildRequest(method, path, json);
        using var response = await platform.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == (int)response.StatusCode, $"{method} {path}: expected {expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Oversized_bodies_are_413_and_wrong_media_types_415()
    {
        var huge = "{\"name\": \"" + new string('a', 2 * 1024 * 1024) + "\"}";
        foreach (var path in new[] { "/api/users", "/api/chat/rooms/big/messages", "/api/payments" })
        {
            // Expect: 100-continue lets the server refuse before the body is sent, as real clients of large uploads do;
            // without it the client may see the connection close while it is still writing.
            using var request = new HttpRequestMessage(HttpMethod.Post, platform.Url + path) { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
            request.Headers.ExpectContinue = true;
            using var response = await platform.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using var text = new StringContent("name=x", Encoding.UTF8, "text/plain");
        using var wrongType = await platform.Http.PostAsync(platform.Url + "/api/users", text);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
    }

    [Fact]
    public async Task No_bad_input_produced_a_server_error()
    {
        var before = await platform.ScrapeAsync();
        foreach (var (method, path, json, _) in Cases.Select(c => ((string)c[0], (string)c[1], (string?)c[2], (int)c[3])))
        {
            using var request = BuildRequest(method, path, json);
            using var response = await platform.Http.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, $"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var after = await platform.ScrapeAsync();
        var grown = after.Series
            .Where(s => s.Key.StartsWith("thebot_http_requests_total{", StringComparison.Ordinal) && ServerErrorStatus().IsMatch(s.Key))
            .Where(s => s.Value > before[s.Key])
            .Select(s => $"{s.Key} {before[s.Key]} -> {s.Value}")
            .ToList();
        Assert.True(grown.Count == 0, "5xx series grew:\n" + string.Join('\n', grown));
        Assert.Equal(before.Sum("thebot_http_request_exceptions_total"), after.Sum("thebot_http_request_exceptions_total"));
    }

    [Theory]
    [InlineData("INSERT INTO users (name, email, role) VALUES (@nul, 'nul@example.org', 'student')", "InvalidData")]
    [InlineData("SELECT 1/0", "InvalidData")]
    [InlineData("SELECT 'x'::int", "InvalidData")]
    [InlineData("INSERT INTO users (name, email, role) VALUES ('a', 'dup@example.org', 'student'), ('b', 'dup@example.org', 'student')", "Conflict")]
    [InlineData("SELECT no_such_column FROM users", "None")]
    [InlineData("SELECT pg_sleep(3)", "Unavailable")]
    public async Task Database_failures_are_classified_by_sqlstate(string sql, string expected)
    {
        // The real server's errors, not hand-made exceptions: the 503/400/409/500 split rests on their SQLSTATEs.
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(platform.Postgres.ConnectionString) { CommandTimeout = 1 }.ConnectionString;
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("nul", "a\u0000");
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => command.ExecuteNonQueryAsync());
        var kind = TheBot.Api.Data.DatabaseExceptionHandler.Classify(TheBot.Api.Data.DatabaseExceptionHandler.Find(failure));
        Assert.True(expected == kind.ToString(), $"{sql}: expected {expected}, got {kind} for {failure.GetType().Name} {(failure as Npgsql.PostgresException)?.SqlState}: {failure.Message}");
    }

    /// <summary>The request of a table row; the system endpoints get the admin token so that the row reaches their own validation.</summary>
    private HttpRequestMessage BuildRequest(string method, string path, string? json)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), platform.Url + path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (path.StartsWith("/api/system/", StringComparison.Ordinal))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PlatformFixture.AdminToken);
        }

        return request;
    }

    [GeneratedRegex("status=\"5[0-9][0-9]\"")]
    private static partial Regex ServerErrorStatus();
}
