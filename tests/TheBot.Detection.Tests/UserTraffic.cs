using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using TheBot.Cli.Load;

namespace TheBot.Detection.Tests;

/// <summary>
/// The request shapes of the production-fault scenarios, each counted into a <see cref="StatusTally"/>: cached reads
/// (what users feel when the cache hangs), a readiness-probe storm (a load balancer hammering the probe), and a
/// many-connection burst on one cold key (a cache stampede).
/// </summary>
internal static class UserTraffic
{
    /// <summary>Kinds of <c>./thebot load</c> and of <see cref="CachedReadsAsync"/> that are served through the read-through cache.</summary>
    public static readonly string[] CachedKinds = ["user-hit", "user-miss", "course-list", "course-get", "web-api", "cached-user", "cached-course", "cached-catalogue"];

    /// <summary>Creates a user through the API (the database), never read yet, so its cache key is cold everywhere.</summary>
    public static async Task<long> CreateUserAsync(HttpClient client, Uri backend, string label)
    {
        var unique = Guid.NewGuid().ToString("N")[..12];
        using var response = await client.PostAsJsonAsync(new Uri(backend, "/api/users"), new { name = $"Detection {label}", email = $"detection-{unique}@example.org", role = "student" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    /// <summary>Creates a course (through the database) taught by a new teacher; returns its id.</summary>
    public static async Task<long> CreateCourseAsync(HttpClient client, Uri backend)
    {
        var unique = Guid.NewGuid().ToString("N")[..12];
        using var teacher = await client.PostAsJsonAsync(new Uri(backend, "/api/users"), new { name = "Detection teacher", email = $"detection-t-{unique}@example.org", role = "teacher" });
        teacher.EnsureSuccessStatusCode();
        var teacherId = (await teacher.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        using var course = await client.PostAsJsonAsync(new Uri(backend, "/api/courses"), new { title = $"Detection course {unique}", description = "made by the detection suite", teacherId });
        course.EnsureSuccessStatusCode();
        return (await course.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    /// <summary>
    /// Cached reads at <paramref name="rps"/> (open loop) until <paramref name="stop"/>: one user, one course and the
    /// course catalogue in turn, every answer counted as <c>cached-user</c>/<c>cached-course</c>/<c>cached-catalogue</c>.
    /// </summary>
    public static Task CachedReadsAsync(Uri backend, long userId, long courseId, int rps, StatusTally tally, CancellationToken stop) =>
        ReadsAsync(backend, rps, tally, stop, [("cached-user", $"/api/users/{userId}"), ("cached-course", $"/api/courses/{courseId}"), ("cached-catalogue", "/api/courses")]);

    /// <summary>Reads that always go to PostgreSQL (user list, a course's assignments), counted as <c>db-users</c>/<c>db-assignments</c>.</summary>
    public static Task DatabaseReadsAsync(Uri backend, long courseId, int rps, StatusTally tally, CancellationToken stop) =>
        ReadsAsync(backend, rps, tally, stop, [("db-users", "/api/users?limit=5"), ("db-assignments", $"/api/courses/{courseId}/assignments")]);

    /// <summary>GETs of <paramref name="reads"/> in turn at <paramref name="rps"/> (open loop) until <paramref name="stop"/>.</summary>
    public static Task ReadsAsync(Uri backend, int rps, StatusTally tally, CancellationToken stop, (string Kind, string Path)[] reads) =>
        OpenLoopAsync(backend, rps, stop, tally, i => reads[i % reads.Length]);

    /// <summary>GET /api/system/readiness/ at <paramref name="rps"/> (open loop) until <paramref name="stop"/>, counted as <c>readiness</c>.</summary>
    public static Task ReadinessStormAsync(Uri backend, int rps, StatusTally tally, CancellationToken stop) =>
        ReadsAsync(backend, rps, tally, stop, [("readiness", "/api/system/readiness/")]);

    /// <summary>
    /// <paramref name="connections"/> new connections that each send GET <paramref name="path"/> back to back for
    /// <paramref name="length"/> (what <c>wrk -c64 -d3s</c> does), all released at once so the first requests find the
    /// key cold together. Answers are counted as <paramref name="kind"/>.
    /// </summary>
    public static async Task BurstAsync(Uri backend, string path, int connections, TimeSpan length, string kind, StatusTally tally)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { BaseAddress = backend, Timeout = LoadSettings.RequestTimeout };
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workers = Enumerable.Range(0, connections).Select(async _ =>
        {
            await go.Task;
            var until = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
            do
            {
                await SendAsync(client, kind, path, tally);
            }
            while (Stopwatch.GetTimestamp() < until);
        }).ToList();
        go.SetResult();
        await Task.WhenAll(workers);
    }

    /// <summary>
    /// Arrival i is sent at i / rps seconds whatever the earlier ones are doing (a hung service must not slow the
    /// observer down); at most <c>rps × request timeout</c> are open, arrivals beyond it are counted as <c>skipped</c>.
    /// </summary>
    private static async Task OpenLoopAsync(Uri backend, int rps, CancellationToken stop, StatusTally tally, Func<long, (string Kind, string Path)> next)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 512 };
        using var client = new HttpClient(handler) { BaseAddress = backend, Timeout = LoadSettings.RequestTimeout };
        var maxInFlight = (int)(rps * LoadSettings.RequestTimeout.TotalSeconds);
        var inFlight = 0;
        var watch = Stopwatch.StartNew();
        long sent = 0;
        while (!stop.IsCancellationRequested)
        {
            var due = (long)(watch.Elapsed.TotalSeconds * rps) + 1;
            for (; sent < due; sent++)
            {
                var (kind, path) = next(sent);
                if (Volatile.Read(ref inFlight) >= maxInFlight)
                {
                    tally.Add(kind + " (skipped)", 0, 0);
                    continue;
                }

                Interlocked.Increment(ref inFlight);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await SendAsync(client, kind, path, tally);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlight);
                    }
                }, CancellationToken.None);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // The answers still open are counted too (each ends within the request timeout).
        while (Volatile.Read(ref inFlight) > 0)
        {
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private static async Task SendAsync(HttpClient client, string kind, string path, StatusTally tally)
    {
        var watch = Stopwatch.StartNew();
        int status;
        try
        {
            using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            status = (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            status = 0;
        }

        tally.Add(kind, status, watch.Elapsed.TotalMilliseconds);
    }
}
