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
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TheBot.Monitoring.EntityFrameworkCore;
using TheBot.Monitoring.Tests.Support;

namespace TheBot.Monitoring.Tests.SampleApp;

/// <summary>
/// A small lending app written the way public ASP.NET Core apps are, not the way ours are: the full
/// <c>WebApplication.CreateBuilder</c>, controllers beside minimal APIs, EF Core on SQLite registered with
/// <c>AddSqlite&lt;T&gt;</c>, an <c>IMemoryCache</c> in front of one lookup, bearer-token sign-in with an authorization
/// <c>FallbackPolicy</c> that requires a signed-in user everywhere, <c>AddProblemDetails</c> +
/// <c>UseExceptionHandler</c>. Monitoring is the README's lines and nothing else (plus the EF line <c>AddSqlite</c> apps
/// need). Runs on a real Kestrel on a loopback port.
/// </summary>
public sealed class LendingApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _databaseFolder;

    private LendingApp(WebApplication app, string databaseFolder)
    {
        _app = app;
        _databaseFolder = databaseFolder;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<LendingApp> StartAsync()
    {
        // A folder of its own, so that removing it makes the database unopenable (SQLite creates a missing file, not a
        // missing folder): the outage MakeDatabaseUnopenable stages.
        var databaseFolder = Directory.CreateTempSubdirectory("thebot-lending-").FullName;
        var databaseFile = Path.Combine(databaseFolder, "lending.db");
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
        builder.Services.AddMemoryCache(); // before AddTheBotMonitoring, as the README asks, so it is counted
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
        // The catalogue's size changes rarely and every page shows it: the typical cached lookup.
        app.MapGet("/api/catalogue/size", async (IMemoryCache cache, LendingContext db) => Results.Ok(new
        {
            books = await cache.GetOrCreateAsync("catalogue-size", entry =>
            {
                entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5);
                return db.Books.CountAsync();
            }),
        }));
        app.MapGet("/api/overdue/report", string () => throw new InvalidOperationException("the report is not written yet"));

        await app.StartAsync();
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<LendingContext>().Database.EnsureCreatedAsync();
        }

        return new LendingApp(app, databaseFolder);
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

    /// <summary>
    /// Removes the database's folder, as a lost volume would: every later open fails (the connections are unpooled,
    /// so none is still open) and EF Core's <c>CanConnectAsync</c> answers false.
    /// </summary>
    public void MakeDatabaseUnopenable()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_databaseFolder, recursive: true);
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
        if (Directory.Exists(_databaseFolder))
        {
            Directory.Delete(_databaseFolder, recursive: true);
        }
    }

    /// <summary>What the sign-in endpoint takes.</summary>
    public sealed record Credentials(string Name);
}
