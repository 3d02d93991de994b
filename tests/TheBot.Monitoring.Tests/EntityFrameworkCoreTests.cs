using System.Data.Common;
using Dapper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TheBot.Monitoring.EntityFrameworkCore;
using TheBot.Monitoring.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// A DbContext on real PostgreSQL, instrumented with <c>AddTheBotMonitoring(serviceProvider)</c>, next to the wrapped
/// data source on the same NpgsqlDataSource: every EF command is counted once, by operation and table, failures too.
/// </summary>
[Collection(RealServersCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class EntityFrameworkCoreTests(RealServers servers)
{
    public sealed class Lesson
    {
        public int Id { get; set; }

        public required string Title { get; set; }
    }

    public sealed class LessonsContext(DbContextOptions<LessonsContext> options) : DbContext(options)
    {
        public DbSet<Lesson> Lessons => Set<Lesson>();
    }

    [Fact]
    public async Task Entity_framework_commands_are_counted_once_by_operation_and_table_and_failures_too()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        // Created outside the app so that schema commands do not mix into the counts.
        await servers.Postgres.QueryAsync("""CREATE TABLE "Lessons" ("Id" serial PRIMARY KEY, "Title" text NOT NULL)""", database);

        await using var app = await TestApp.StartAsync(_ => { }, services =>
        {
            services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
            services.AddSingleton<DbDataSource>(sp => sp.GetRequiredService<NpgsqlDataSource>());
            services.AddDbContext<LessonsContext>((sp, options) => options
                .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
                .AddTheBotMonitoring(sp));
        }, inMemory: true);

        using (var scope = app.Services.CreateScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<LessonsContext>();
            var algebra = new Lesson { Title = "algebra" };
            context.Lessons.Add(algebra);
            await context.SaveChangesAsync();                                        // insert 1
            context.Lessons.Add(new Lesson { Title = "geometry" });
            await context.SaveChangesAsync();                                        // insert 2
            Assert.Single(await context.Lessons.AsNoTracking().Where(l => l.Title == "algebra").ToListAsync()); // select 1
            Assert.Equal(2, await context.Lessons.CountAsync());                      // select 2
            algebra.Title = "linear algebra";
            await context.SaveChangesAsync();                                        // update 1
            context.Lessons.Remove(algebra);
            await context.SaveChangesAsync();                                        // delete 1
            await Assert.ThrowsAsync<PostgresException>(() =>
                context.Database.ExecuteSqlRawAsync("UPDATE missing_lessons SET done = true")); // failed update
        }

        // The same NpgsqlDataSource through the wrapped DbDataSource: counted by the wrapper, not again by EF.
        await using (var connection = await app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync())
        {
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("""SELECT count(*) FROM "Lessons" """)); // select 3
        }

        var text = await app.ScrapeAsync();
        double? Queries(string operation, string table) =>
            Exposition.Value(text, "thebot_db_queries_total", ("database", database), ("operation", operation), ("table", table));
        double? Errors(string operation, string table) =>
            Exposition.Value(text, "thebot_db_query_errors_total", ("database", database), ("operation", operation), ("table", table));

        Assert.Equal(2, Queries("insert", "Lessons"));
        Assert.Equal(3, Queries("select", "Lessons"));
        Assert.Equal(1, Queries("update", "Lessons"));
        Assert.Equal(1, Queries("delete", "Lessons"));
        Assert.Equal(0, Errors("select", "Lessons"));
        Assert.Equal(1, Queries("update", "missing_lessons"));
        Assert.Equal(1, Errors("update", "missing_lessons"));
        Assert.Equal(2, Exposition.Value(text, "thebot_db_query_duration_seconds_count", ("database", database), ("operation", "insert"), ("table", "Lessons")));
        Assert.Equal(new HashSet<string> { "Lessons", "missing_lessons" }, Exposition.LabelValues(text, "thebot_db_queries_total", "table"));
    }

    [Fact]
    public void Without_the_library_registered_the_context_option_says_what_is_missing()
    {
        using var services = new ServiceCollection().BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => new DbContextOptionsBuilder<LessonsContext>().AddTheBotMonitoring(services));

        Assert.Contains("builder.AddTheBotMonitoring()", error.Message, StringComparison.Ordinal);
    }
}
