using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TheBot.Testing;
using Xunit;

namespace TheBot.Platform.Tests.Support;

/// <summary>
/// Real PostgreSQL and Redis (shared fixtures of TheBot.Testing), the backend process against them, and optionally the
/// frontend process in front of the backend. Payment outcomes are forced by test tokens only (random rates are 0),
/// and job retries are fast.
/// </summary>
public class PlatformFixture : IAsyncLifetime
{
    public const string ScrapeToken = "test-scrape-token";
    public const string AdminToken = "test-admin-token";
    public const string FrontendScrapeToken = "test-frontend-scrape-token";
    public const string FrontendAdminToken = "test-frontend-admin-token";

    private readonly bool _withFrontend;

    public PlatformFixture()
        : this(withFrontend: false)
    {
    }

    protected PlatformFixture(bool withFrontend) => _withFrontend = withFrontend;

    public PostgresServer Postgres { get; } = new();

    public RedisServer Redis { get; } = new();

    public ServiceProcess Backend { get; private set; } = null!;

    public ServiceProcess? Frontend { get; private set; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(15) };

    public string Url => Backend.Url;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Postgres.InitializeAsync(), Redis.InitializeAsync());
        Backend = await ServiceProcess.StartAsync("TheBot.Api", BackendEnvironment());
        await WaitReadyAsync(Backend.Url);
        if (_withFrontend)
        {
            Frontend = await StartFrontendAsync(Backend.Url);
        }
    }

    public async Task DisposeAsync()
    {
        if (Frontend is not null)
        {
            await Frontend.DisposeAsync();
        }

        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }

        await Task.WhenAll(Postgres.DisposeAsync(), Redis.DisposeAsync());
        Http.Dispose();
    }

    public Dictionary<string, string> BackendEnvironment(string environment = "Development", bool faults = true) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = environment,
        ["ConnectionStrings__Postgres"] = Postgres.ConnectionString,
        ["ConnectionStrings__Redis"] = Redis.ConnectionString,
        ["Monitoring__ScrapeToken"] = ScrapeToken,
        ["Monitoring__AdminToken"] = AdminToken,
        ["Faults__Enabled"] = faults ? "true" : "false",
        ["Payments__Simulator__FailureRate"] = "0",
        ["Payments__Simulator__DeclineRate"] = "0",
        ["Payments__Simulator__LatencyMilliseconds"] = "0",
        ["Payments__Simulator__LatencyJitterMilliseconds"] = "0",
        ["Jobs__RetryDelayMilliseconds"] = "100",
        ["Jobs__MaxAttempts"] = "3",
        ["Payments__Reconciliation__IntervalSeconds"] = "0.5",
        // As the detection profile: health results at most 1 s old, so readiness follows an outage within about
        // 1 s plus the 2 s check timeout (the 5 s default would add up to 5 s to every outage test's wait).
        ["Monitoring__Health__ProbeInterval"] = "00:00:01",
    };

    public static Task<ServiceProcess> StartFrontendAsync(string backendUrl) => ServiceProcess.StartAsync("TheBot.Web", new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Backend__BaseUrl"] = backendUrl,
        ["Monitoring__ScrapeToken"] = FrontendScrapeToken,
        ["Monitoring__AdminToken"] = FrontendAdminToken,
    });

    /// <summary>Waits until the readiness endpoint answers 200 (schema applied, database and cache reachable).</summary>
    public async Task WaitReadyAsync(string baseUrl, TimeSpan? timeout = null) =>
        await TestHttp.WaitUntilAsync(async () =>
        {
            using var response = await Http.GetAsync(baseUrl + "/api/system/readiness/");
            return response.StatusCode == HttpStatusCode.OK;
        }, timeout ?? TimeSpan.FromSeconds(30), () => $"{baseUrl} not ready:\n{Backend?.Output}");

    public async Task<MetricsSnapshot> ScrapeAsync(string? baseUrl = null, string token = ScrapeToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, (baseUrl ?? Url) + "/api/system/metrics/prometheus/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"scrape answered {(int)response.StatusCode}: {text}");
        return MetricsSnapshot.Parse(text);
    }

    public async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> SendAsync(HttpMethod method, string path, object? body = null, string? baseUrl = null)
    {
        using var request = new HttpRequestMessage(method, (baseUrl ?? Url) + path);
        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length > 0 && (text[0] is '{' or '[') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response.StatusCode, json, response.Content.Headers.ContentType?.MediaType);
    }

    public Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> GetAsync(string path, string? baseUrl = null) => SendAsync(HttpMethod.Get, path, null, baseUrl);

    public Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> PostAsync(string path, object? body) => SendAsync(HttpMethod.Post, path, body);

    /// <summary>Creates a user and returns its id.</summary>
    public async Task<long> CreateUserAsync(string role = "student")
    {
        var (status, body, _) = await PostAsync("/api/users", new { name = $"{role} {Guid.NewGuid():N}", email = $"{Guid.NewGuid():N}@example.org", role });
        Assert.Equal(HttpStatusCode.Created, status);
        return body.GetProperty("id").GetInt64();
    }

    /// <summary>Waits until no job is queued, running or waiting to retry.</summary>
    public Task WaitForJobsAsync() => TestHttp.WaitUntilAsync(async () =>
    {
        var (_, body, _) = await GetAsync("/api/jobs");
        return body.GetProperty("depth").GetInt64() == 0 && body.GetProperty("inFlight").GetInt64() == 0 && body.GetProperty("delayed").GetInt64() == 0;
    }, TimeSpan.FromSeconds(15), () => "jobs still queued, running or waiting to retry");

    /// <summary>Polls the exposition until <paramref name="condition"/> holds.</summary>
    public async Task<MetricsSnapshot> WaitForMetricsAsync(Func<MetricsSnapshot, bool> condition, string what, TimeSpan? timeout = null)
    {
        MetricsSnapshot? last = null;
        await TestHttp.WaitUntilAsync(async () => condition(last = await ScrapeAsync()), timeout ?? TimeSpan.FromSeconds(10), () => what);
        return last!;
    }
}

/// <summary>Backend plus frontend, shared by the functional tests (one collection: they run one after another).</summary>
public sealed class FullPlatformFixture() : PlatformFixture(withFrontend: true);

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<FullPlatformFixture>
{
    public const string Name = "platform";
}
