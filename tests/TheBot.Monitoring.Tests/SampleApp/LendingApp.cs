using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TheBot.Monitoring.EntityFrameworkCore;
using TheBot.Monitoring.Tests.Support;

namespace TheBot.Monitoring.Tests.SampleApp;

/// <summary>
/// A small lending app written the way public ASP.NET Core apps are, not the way ours are: the full
/// <c>WebApplication.CreateBuilder</c>, controllers beside minimal APIs, EF Core on SQLite registered with
/// <c>AddSqlite&lt;T&gt;</c>, bearer-token sign-in with an authorization <c>FallbackPolicy</c> that requires a signed-in
/// user everywhere, <c>AddProblemDetails</c> + <c>UseExceptionHandler</c>. Monitoring is the README's lines and nothing
/// else (plus the EF line <c>AddSqlite</c> apps need). Runs on a real Kestrel on a loopback port.
/// </summary>
public sealed class LendingApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _databaseFile;

    private LendingApp(WebApplication app, string databaseFile)
    {
        _app = app;
        _databaseFile = databaseFile;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<LendingApp> StartAsync()
    {
        var databaseFile = Path.Combine(Path.GetTempPath(), $"thebot-lending-{Guid.NewGuid():N}.db");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Monitoring:ScrapeToken"] = TestApp.ScrapeToken,
            ["Monitoring:AdminToken"] = TestApp.AdminToken,
            ["Monitoring:Health:ProbeInterval"] = "00:00:00.200",
        });

        builder.Services.AddControllers().AddApplicationPart(typeof(BooksController).Assembly);
        builder.Services.AddProblemDetails();
        builder.Services.AddAuthentication(BearerTokenDefaults.AuthenticationScheme).AddBearerToken();
        builder.Services.AddAuthorization(options => options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.AddSqlite<LendingContext>($"Data Source={databaseFile};Pooling=False");
        builder.Services.ConfigureDbContext<LendingContext>((services, options) => options.AddTheBotMonitoring(services));
        builder.AddTheBotMonitoring();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapTheBotMonitoring();
        app.MapControllers();
        app.MapPost("/api/login", (Credentials credentials) => Results.SignIn(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, credentials.Name)], "password")),
            authenticationScheme: BearerTokenDefaults.AuthenticationScheme)).AllowAnonymous();
        var loans = app.MapGroup("/api/loans");
        loans.MapPost("/", async (Loan loan, LendingContext db) =>
        {
            db.Loans.Add(loan);
            await db.SaveChangesAsync();
            return TypedResults.Created($"/api/loans/{loan.Id}", loan);
        });
        loans.MapGet("/{id:int}", async (int id, LendingContext db) => await db.Loans.FindAsync(id) is { } loan ? Results.Ok(loan) : Results.NotFound());
        app.MapGet("/api/overdue/report", string () => throw new InvalidOperationException("the report is not written yet"));

        await app.StartAsync();
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<LendingContext>().Database.EnsureCreatedAsync();
        }

        return new LendingApp(app, databaseFile);
    }

    /// <summary>Signs in and makes every later request of <see cref="Client"/> carry the bearer token.</summary>
    public async Task SignInAsync(string name)
    {
        using var response = await Client.PostAsJsonAsync("/api/login", new Credentials(name));
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>A request with no credentials at all, as a probe or an anonymous visitor sends it.</summary>
    public async Task<HttpResponseMessage> GetAnonymouslyAsync(string path, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Client.BaseAddress!, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var anonymous = new HttpClient();
        return await anonymous.SendAsync(request);
    }

    public async Task<string> ScrapeAsync()
    {
        using var response = await GetAnonymouslyAsync("/api/system/metrics/prometheus/", TestApp.ScrapeToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_databaseFile);
    }

    /// <summary>What the sign-in endpoint takes.</summary>
    public sealed record Credentials(string Name);
}
