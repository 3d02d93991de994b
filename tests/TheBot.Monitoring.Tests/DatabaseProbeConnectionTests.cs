using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TheBot.Monitoring.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// The database readiness check with and without TheBot.Monitoring.Npgsql: a pool whose every connection is taken
/// stands in for a warm pool in front of a server that accepts no new connection, and the other way round.
/// </summary>
[Collection(RealServersCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class DatabaseProbeConnectionTests(RealServers servers)
{
    // Long enough for a new PostgreSQL backend on a loaded machine, far below the pool's own 30 s wait for a connection.
    private static readonly Dictionary<string, string?> CheckTimeout = new()
    {
        ["Monitoring:Health:CheckTimeout"] = "00:00:02",
        ["Monitoring:Health:ProbeInterval"] = "00:00:00.500",
    };

    private static async Task<JsonElement> DatabaseComponentAsync(TestApp app)
    {
        using var response = await app.GetAsync("/api/system/readiness/", null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("components").GetProperty("database").Clone();
    }

    /// <summary>
    /// The database component of the first readiness answer whose check started after <paramref name="after"/>:
    /// readiness answers from the background probe's last run, which may predate what the test just changed. Bound:
    /// one probe interval plus one check timeout, plus the same again as margin on a loaded machine.
    /// </summary>
    private static async Task<JsonElement> DatabaseComponentCheckedAfterAsync(TestApp app, DateTimeOffset after)
    {
        var deadline = DateTimeOffset.UtcNow + 2 * (TimeSpan.FromMilliseconds(500) + TimeSpan.FromSeconds(2));
        while (true)
        {
            var database = await DatabaseComponentAsync(app);
            var started = database.GetProperty("checked_at").GetDateTimeOffset() - TimeSpan.FromSeconds(database.GetProperty("duration_seconds").GetDouble());
            if (started > after)
            {
                return database;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"no database check started after {after:O} by {deadline:O}; last: {database}");
            await Task.Delay(100);
        }
    }

    /// <summary>A host whose data source has one pooled connection, taken by the test for the host's whole life.</summary>
    private async Task<(TestApp App, DbConnection Held, DateTimeOffset HeldSince)> StartWithExhaustedPoolAsync(bool npgsqlProbe)
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync();
        var app = await TestApp.StartAsync(_ => { }, services =>
        {
            services.AddSingleton<DbDataSource>(_ => NpgsqlDataSource.Create(connectionString + ";Maximum Pool Size=1;Timeout=30"));
            if (npgsqlProbe)
            {
                services.AddTheBotNpgsqlHealthProbe();
                services.AddTheBotNpgsqlHealthProbe(); // idempotent: still one factory
            }
        }, settings: CheckTimeout, inMemory: true);
        var held = await app.Services.GetRequiredService<DbDataSource>().OpenConnectionAsync();
        return (app, held, DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task With_the_Npgsql_probe_readiness_opens_a_new_connection_even_when_the_pool_is_exhausted()
    {
        var (app, held, heldSince) = await StartWithExhaustedPoolAsync(npgsqlProbe: true);
        await using (app)
        await using (held)
        {
            var database = await DatabaseComponentCheckedAfterAsync(app, heldSince);

            Assert.Equal("healthy", database.GetProperty("status").GetString());
            Assert.Contains("new connection", database.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Single(app.Services.GetServices<TheBot.Monitoring.Health.IDatabaseProbeConnectionFactory>());
        }
    }

    [Fact]
    public async Task Without_it_the_check_goes_through_the_pool_and_an_exhausted_pool_is_unready_within_the_check_timeout()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync();
        await using (var free = await TestApp.StartAsync(_ => { }, services => services.AddSingleton<DbDataSource>(_ => NpgsqlDataSource.Create(connectionString)),
            settings: CheckTimeout, inMemory: true))
        {
            var database = await DatabaseComponentAsync(free);
            Assert.Equal("healthy", database.GetProperty("status").GetString());
            Assert.Contains("pool", database.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        var (app, held, heldSince) = await StartWithExhaustedPoolAsync(npgsqlProbe: false);
        await using (app)
        await using (held)
        {
            var exhausted = await DatabaseComponentCheckedAfterAsync(app, heldSince);
            Assert.Equal("unhealthy", exhausted.GetProperty("status").GetString());
            Assert.InRange(exhausted.GetProperty("duration_seconds").GetDouble(), 1.9, 10.0);
        }
    }

    [Fact]
    public void The_library_itself_references_no_database_or_cache_client()
    {
        var library = typeof(MonitoringOptions).Assembly;
        string[] clients = ["Npgsql", "StackExchange.Redis", "Microsoft.Extensions.Caching.StackExchangeRedis", "Microsoft.Extensions.Caching.Hybrid", "Pipelines.Sockets.Unofficial"];
        var referenced = library.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.Empty(referenced.Intersect(clients));

    }
}
