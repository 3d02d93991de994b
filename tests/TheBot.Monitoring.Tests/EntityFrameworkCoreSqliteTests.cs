using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.EntityFrameworkCore;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// An EF Core app on SQLite registered the way templates do it (<c>AddSqlite&lt;T&gt;(connectionString)</c>, no
/// service provider in reach, no DbDataSource): <c>ConfigureDbContext</c> adds the metrics, and readiness checks the
/// context's database.
/// </summary>
public sealed class EntityFrameworkCoreSqliteTests
{
    public sealed class Note
    {
        public int Id { get; set; }

        public required string Text { get; set; }
    }

    public sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options)
    {
        public DbSet<Note> Notes => Set<Note>();
    }

    private static Task<TestApp> StartAsync(string connectionString) => TestApp.StartAsync(_ => { }, services =>
    {
        services.AddSqlite<NotesContext>(connectionString);
        services.ConfigureDbContext<NotesContext>((sp, options) => options.AddTheBotMonitoring(sp));
    }, inMemory: true, settings: new Dictionary<string, string?> { ["Monitoring:Health:ProbeInterval"] = "00:00:00.200" });

    private static async Task<(HttpStatusCode Status, string Database)> ReadinessAsync(TestApp app)
    {
        using var response = await app.GetAsync("/api/system/readiness/", null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, body.GetProperty("components").GetProperty("database").GetProperty("status").GetString()!);
    }

    [Fact]
    public async Task Readiness_checks_the_contexts_database_and_its_commands_are_counted_by_table()
    {
        using var database = new TemporarySqliteFile("notes");
        await using var app = await StartAsync(database.ConnectionString);
        using (var scope = app.Services.CreateScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<NotesContext>();
            await context.Database.EnsureCreatedAsync();
            context.Notes.Add(new Note { Text = "first" });
            await context.SaveChangesAsync();
            Assert.Equal(1, await context.Notes.CountAsync());
        }

        // The file exists only since EnsureCreated: wait out a probe result from before it.
        await TestHttp.WaitUntilAsync(async () => (await ReadinessAsync(app)).Database == "healthy", TimeSpan.FromSeconds(10), () => "database never healthy");
        Assert.Equal(HttpStatusCode.OK, (await ReadinessAsync(app)).Status);
        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_db_queries_total", ("database", "main"), ("operation", "insert"), ("table", "Notes")));
        Assert.Equal(1, Exposition.Value(text, "thebot_db_queries_total", ("database", "main"), ("operation", "select"), ("table", "Notes")));
        // EnsureCreated first tried to open the file it was about to create: a failure EF expects, not an outage.
        Assert.Null(Exposition.Value(text, "thebot_db_connection_errors_total", ("database", "main")));
    }

    [Fact]
    public async Task An_unopenable_database_makes_the_instance_unready_and_counts_connection_errors()
    {
        var missingFolder = Path.Combine(Path.GetTempPath(), $"thebot-missing-{Guid.NewGuid():N}");
        await using var app = await StartAsync($"Data Source={Path.Combine(missingFolder, "notes.db")}");

        using (var scope = app.Services.CreateScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<NotesContext>();
            await Assert.ThrowsAsync<SqliteException>(() => context.Notes.CountAsync());
        }

        var unready = await ReadinessAsync(app);
        Assert.Equal("unhealthy", unready.Database);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.Status);
        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_db_connection_errors_total", ("database", "main")));
    }
}
