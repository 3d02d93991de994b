using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.EntityFrameworkCore;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// ASP.NET Core Identity with a real user store (EF Core on SQLite, as the Identity templates ship it) and its bearer
/// tokens: a user registers, logs in and reads their account. The library must label Identity's routes by template,
/// count the store's commands by table, keep its own bearer-token endpoints working beside Identity's bearer scheme,
/// and count no refusal as an exception.
/// </summary>
public sealed class IdentityStoreTests
{
    public sealed class AccountsContext(DbContextOptions<AccountsContext> options) : IdentityDbContext<IdentityUser>(options);

    private const string Email = "learner@example.test";
    private const string Password = "Correct-horse-7";

    /// <summary>Identity's endpoints as an app maps them: under its own group, behind authentication and authorization.</summary>
    internal static void MapAccountApi(IEndpointRouteBuilder endpoints)
    {
        var web = (WebApplication)endpoints;
        web.UseAuthentication();
        web.UseAuthorization();
        web.MapGroup("/api/account").MapIdentityApi<IdentityUser>();
    }

    private static Task<TestApp> StartAsync(string connectionString) => TestApp.StartAsync(
        MapAccountApi,
        services =>
        {
            services.AddSqlite<AccountsContext>(connectionString);
            services.ConfigureDbContext<AccountsContext>((sp, options) => options.AddTheBotMonitoring(sp));
            services.AddAuthorization();
            services.AddIdentityApiEndpoints<IdentityUser>().AddEntityFrameworkStores<AccountsContext>();
        },
        settings: new Dictionary<string, string?> { ["Monitoring:Health:ProbeInterval"] = "00:00:00.200" });

    private static async Task<HttpStatusCode> PostAsync(TestApp app, string path, object body)
    {
        using var response = await app.Client.PostAsJsonAsync(path, body);
        return response.StatusCode;
    }

    [Fact]
    public async Task Register_login_and_account_reads_are_labelled_by_template_and_the_stores_commands_by_table()
    {
        using var database = new TemporarySqliteFile("accounts");
        await using var app = await StartAsync(database.ConnectionString);
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<AccountsContext>().Database.EnsureCreatedAsync();
        }

        var before = await app.ScrapeAsync();
        Assert.Equal(HttpStatusCode.OK, await PostAsync(app, "/api/account/register", new { email = Email, password = Password }));
        // The same e-mail again is refused by the store's uniqueness check: a 400 with problem details, not a failure.
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(app, "/api/account/register", new { email = Email, password = Password }));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(app, "/api/account/login", new { email = Email, password = "wrong-Password-1" }));

        using var login = await app.Client.PostAsJsonAsync("/api/account/login", new { email = Email, password = Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var accessToken = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        Assert.False(string.IsNullOrEmpty(accessToken));

        using var info = new HttpRequestMessage(HttpMethod.Get, "/api/account/manage/info");
        info.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var infoResponse = await app.Client.SendAsync(info);
        Assert.Equal(HttpStatusCode.OK, infoResponse.StatusCode);
        Assert.Equal(Email, (await infoResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString());

        // Our scrape token is a bearer token too: Identity's bearer scheme cannot read it, and the endpoint, anonymous
        // at the authorization layer, still checks it itself (the scrape above and this one answered 200).
        await TestHttp.WaitUntilAsync(async () => Exposition.Value(await app.ScrapeAsync(), "thebot_health_component_up", ("component", "database")) == 1,
            TimeSpan.FromSeconds(10), () => "the store's database never reported up");
        var after = await app.ScrapeAsync();

        double Requests(string method, string endpoint, string status) =>
            Exposition.Delta(before, after, "thebot_http_requests_total", ("method", method), ("endpoint", endpoint), ("status", status));
        Assert.Equal(1, Requests("POST", "/api/account/register", "200"));
        Assert.Equal(1, Requests("POST", "/api/account/register", "400"));
        Assert.Equal(1, Requests("POST", "/api/account/login", "401"));
        Assert.Equal(1, Requests("POST", "/api/account/login", "200"));
        Assert.Equal(1, Requests("GET", "/api/account/manage/info", "200"));
        Assert.DoesNotContain("unmatched", after, StringComparison.Ordinal);
        Assert.Empty(Exposition.Samples(after, "thebot_http_request_exceptions_total"));

        // The store's commands during the traffic, by operation and Identity's own tables: one user inserted; the users
        // table read by the registrations' uniqueness checks, the logins and the account read, and updated by the
        // failed login's access-failed count and the successful one's reset; the login's claim read. Every one is
        // classified to a table (EnsureCreated's DDL before it is `other`/`none`, as documented).
        double Commands(string operation, string table) =>
            Exposition.Delta(before, after, "thebot_db_queries_total", ("database", "main"), ("operation", operation), ("table", table));
        var commands = string.Join('\n', Exposition.Samples(after, "thebot_db_queries_total"));
        Assert.Equal(1, Commands("insert", "AspNetUsers"));
        Assert.True(Commands("select", "AspNetUsers") >= 5, commands);
        Assert.True(Commands("update", "AspNetUsers") >= 1, commands);
        Assert.True(Commands("select", "AspNetUserClaims") >= 1, commands);
        Assert.Equal(0, Commands("other", "none"));
        Assert.All(Exposition.LabelValues(after, "thebot_db_queries_total", "table").Where(table => table != "none"),
            table => Assert.StartsWith("AspNet", table, StringComparison.Ordinal));
        Assert.Null(Exposition.Value(after, "thebot_db_connection_errors_total", ("database", "main")));
    }
}
