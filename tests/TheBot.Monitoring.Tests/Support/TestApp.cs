using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>A real Kestrel server on a free loopback port running a small app with the library's two lines.</summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string ScrapeToken = "scrape-token-for-tests";
    public const string AdminToken = "admin-token-for-tests";

    private readonly WebApplication _app;

    private TestApp(WebApplication app, Uri address, HttpClient client)
    {
        _app = app;
        Address = address;
        Client = client;
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestApp> StartAsync(
        Action<IEndpointRouteBuilder> map,
        Action<IServiceCollection>? services = null,
        IDictionary<string, string?>? settings = null,
        bool inMemory = false,
        Action<WebApplicationBuilder>? afterMonitoring = null,
        Action<RouteGroupBuilder>? monitoringEndpoints = null,
        Action<WebApplicationBuilder>? beforeMonitoring = null,
        string? environment = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment ?? Environments.Production });
        builder.Logging.ClearProviders();
        if (inMemory)
        {
            builder.WebHost.UseTestServer();
        }
        else
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Monitoring:ScrapeToken"] = ScrapeToken,
            ["Monitoring:AdminToken"] = AdminToken,
            ["Monitoring:ServiceName"] = "test-service",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        services?.Invoke(builder.Services);
        beforeMonitoring?.Invoke(builder);
        builder.AddTheBotMonitoring();
        afterMonitoring?.Invoke(builder);
        var app = builder.Build();
        var group = app.MapTheBotMonitoring();
        monitoringEndpoints?.Invoke(group);
        map(app);
        await app.StartAsync();
        if (inMemory)
        {
            var server = app.GetTestServer();
            return new TestApp(app, server.BaseAddress, server.CreateClient());
        }

        var address = new Uri(app.Urls.First());
        return new TestApp(app, address, new HttpClient { BaseAddress = address });
    }

    public async Task<string> ScrapeAsync(string? token = ScrapeToken)
    {
        using var response = await GetAsync("/api/system/metrics/prometheus/", token);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? token) => GetAsync(Client, path, token);

    /// <summary>GET <paramref name="path"/> from the app <paramref name="client"/> reaches (in this process or another), with <paramref name="token"/> as its bearer token when given.</summary>
    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
