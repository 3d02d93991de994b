using System.Data.Common;
using System.Net;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// A real app with the two lines, on real PostgreSQL and Redis: after known requests, queries and cache calls,
/// every family appears with the right labels and exact values; promtool accepts the exposition; a real
/// Prometheus scrapes it.
/// </summary>
[Collection(RealServersCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class ExpositionTests(RealServers servers)
{
    private static void MapItems(IEndpointRouteBuilder app)
    {
        app.MapGet("/items/{id:int}", async (int id, DbDataSource db, IDistributedCache cache) =>
        {
            var cached = await cache.GetStringAsync($"item:{id}");
            if (cached is not null)
            {
                return Results.Ok(cached);
            }

            await using var connection = await db.OpenConnectionAsync();
            var name = await connection.QuerySingleOrDefaultAsync<string>("SELECT name FROM items WHERE id = @id", new { id });
            if (name is null)
            {
                return Results.NotFound();
            }

            await cache.SetStringAsync($"item:{id}", name);
            return Results.Ok(name);
        });
        app.MapPost("/items", async (DbDataSource db) =>
        {
            await using var connection = await db.OpenConnectionAsync();
            var id = await connection.ExecuteScalarAsync<int>("INSERT INTO items (name) VALUES ('first') RETURNING id");
            return Results.Ok(id);
        });
        app.MapPut("/items/{id:int}", async (int id, DbDataSource db) =>
        {
            await using var command = db.CreateCommand("UPDATE public.items SET name = 'renamed' WHERE id = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            await command.ExecuteNonQueryAsync();
            return Results.NoContent();
        });
        app.MapDelete("/items/{id:int}", async (int id, DbDataSource db) =>
        {
            await using var connection = await db.OpenConnectionAsync();
            await connection.ExecuteAsync("/* cleanup */ DELETE FROM \"items\" WHERE id = @id", new { id });
            return Results.NoContent();
        });
        app.MapGet("/broken-query", async (DbDataSource db) =>
        {
            await using var connection = await db.OpenConnectionAsync();
            try
            {
                await connection.ExecuteAsync("SELECT * FROM missing_table");
            }
            catch (PostgresException)
            {
                return Results.StatusCode(503);
            }

            return Results.Ok();
        });
        app.MapPost("/business", (IServiceProvider services) =>
        {
            KnownBusinessEvents.Record(services);
            return Results.NoContent();
        });
    }

    private async Task<TestApp> StartItemsAppAsync()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync();
        await using (var setup = NpgsqlDataSource.Create(connectionString))
        {
            await using var create = setup.CreateCommand("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)");
            await create.ExecuteNonQueryAsync();
        }

        return await TestApp.StartAsync(MapItems, services =>
        {
            services.AddSingleton<DbDataSource>(_ => NpgsqlDataSource.Create(connectionString));
            services.AddStackExchangeRedisCache(options => options.Configuration = servers.Redis.ConnectionString);
            services.AddTheBotMetrics<AppBusinessMetrics>();
        });
    }

    [Fact]
    public async Task Every_family_appears_with_exact_values_after_known_traffic()
    {
        await using var app = await StartItemsAppAsync();
        var database = new NpgsqlConnectionStringBuilder(((DbDataSource)app.Services.GetRequiredService(typeof(DbDataSource))).ConnectionString).Database!;

        Assert.Equal(HttpStatusCode.OK, (await app.Client.PostAsync("/items", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/items/1")).StatusCode); // miss → select → set
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/items/1")).StatusCode); // hit
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PutAsync("/items/1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.DeleteAsync("/items/1")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.Client.GetAsync("/broken-query")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostAsync("/business", null)).StatusCode);

        var text = await app.ScrapeAsync();
        (string, string) Db(string value) => ("database", value);

        Assert.Equal(1, Exposition.Value(text, "thebot_db_queries_total", Db(database), ("operation", "insert"), ("table", "items")));
        Assert.Equal(1, Exposition.Value(text, "thebot_db_queries_total", Db(database), ("operation", "select"), ("table", "items")));
        Assert.Equal(1, Exposition.Value(text, "thebot_db_queries_total", Db(database), ("operation", "update"), ("table", "items")));
        Assert.Equal(1, Exposition.Value(text, "thebot_db_queries_total", Db(database), ("operation", "delete"), ("table", "items")));
        Assert.Equal(1, Exposition.Value(text, "thebot_db_queries_total", Db(database), ("operation", "select"), ("table", "missing_table")));
        Assert.Equal(1, Exposition.Value(text, "thebot_db_query_errors_total", Db(database), ("operation", "select"), ("table", "missing_table")));
        Assert.Equal(0, Exposition.Value(text, "thebot_db_query_errors_total", Db(database), ("operation", "select"), ("table", "items")));
        Assert.Null(Exposition.Value(text, "thebot_db_connection_errors_total", Db(database)));
        Assert.Equal(1, Exposition.Value(text, "thebot_db_query_duration_seconds_count", Db(database), ("operation", "insert"), ("table", "items")));

        Assert.Equal(1, Exposition.Value(text, "thebot_cache_hits_total", ("cache_name", "redis")));
        Assert.Equal(1, Exposition.Value(text, "thebot_cache_misses_total", ("cache_name", "redis")));

        Assert.Equal(2, Exposition.Value(text, "thebot_messages_sent_total", ("chat_type", "group")));
        Assert.Equal(1, Exposition.Value(text, "thebot_messages_sent_total", ("chat_type", "private")));
        Assert.Equal(1, Exposition.Value(text, "thebot_assignments_submitted_total", ("status", "late")));
        Assert.Equal(0, Exposition.Value(text, "thebot_assignments_submitted_total", ("status", "accepted")));
        Assert.Equal(1, Exposition.Value(text, "thebot_payments_processed_total", ("status", "declined"), ("method", "wallet")));
        Assert.Equal(1, Exposition.Value(text, "thebot_background_tasks_total", ("task_name", "grading"), ("status", "retry")));
        Assert.Equal(1, Exposition.Value(text, "thebot_background_task_duration_seconds_count", ("task_name", "grading")));
        Assert.Equal(7, Exposition.Value(text, "thebot_background_queue_depth", ("queue", "default")));
        Assert.Equal(1, Exposition.Value(text, "thebot_websocket_connections", ("type", "chat")));

        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "POST"), ("endpoint", "/items"), ("status", "200")));
        Assert.Equal(2, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/items/{id}"), ("status", "200")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/broken-query"), ("status", "503")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_in_flight")); // the scrape itself
    }

    [Fact]
    public async Task Promtool_check_metrics_finds_nothing_in_the_exposition()
    {
        await using var app = await StartItemsAppAsync();
        await app.Client.PostAsync("/items", null);
        await app.Client.GetAsync("/items/1");
        await app.Client.GetAsync("/broken-query");
        await app.Client.PostAsync("/business", null);
        await app.Client.GetAsync("/nothing/here");

        var text = await app.ScrapeAsync();
        var result = await CliTool.RunAsync("/usr/bin/promtool", ["check", "metrics"], standardInput: text);
        var (exit, output) = (result.ExitCode, result.StandardOutput + result.StandardError);

        Assert.True(exit == 0 && output.Trim().Length == 0, $"promtool check metrics (exit {exit}):\n{output}");

        // The built-in meters that matter reach the same exposition, with the right types.
        var types = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).ToHashSet();
        var listing = string.Join("\n", types.Order(StringComparer.Ordinal));
        foreach (var expected in new[]
        {
            "# TYPE dotnet_gc_collections_total counter",
            "# TYPE dotnet_gc_pause_time_seconds_total counter",
            "# TYPE dotnet_gc_heap_total_allocated_bytes_total counter",
            "# TYPE dotnet_gc_last_collection_heap_size_bytes gauge",
            "# TYPE dotnet_thread_pool_thread_current gauge",
            "# TYPE dotnet_thread_pool_queue_length gauge",
            "# TYPE dotnet_thread_pool_work_item_count_total counter",
            "# TYPE kestrel_active_connections gauge",
            "# TYPE kestrel_queued_connections gauge",
            "# TYPE db_client_connection_current gauge",
            "# TYPE db_client_connection_max gauge",
        })
        {
            Assert.True(types.Contains(expected), $"missing '{expected}' among:\n{listing}");
        }

        // Npgsql's pool after real queries: the connections went back to the pool, idle.
        Assert.Contains("idle", Exposition.LabelValues(text, "db_client_connection_current", "db_client_connection_state"));
        Assert.True(Exposition.Value(text, "dotnet_thread_pool_thread_current") >= 1, "no thread-pool thread reported");
        Assert.True(Exposition.Value(text, "kestrel_active_connections", ("network_transport", "tcp"), ("network_type", "ipv4"), ("server_address", "127.0.0.1"), ("server_port", app.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))) >= 1,
            "the scrape's own connection is not in kestrel_active_connections");

        // What the filter removes because ours measure it already.
        foreach (var duplicate in new[] { "http_server_request_duration_seconds", "db_client_operation_", "db_client_commands_" })
        {
            Assert.DoesNotContain(duplicate, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_real_prometheus_scrapes_the_service_with_the_token()
    {
        await using var app = await StartItemsAppAsync();
        await app.Client.PostAsync("/items", null);
        var config = $$"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: thebot-backend
                metrics_path: /api/system/metrics/prometheus/
                authorization:
                  type: Bearer
                  credentials: {{TestApp.ScrapeToken}}
                static_configs:
                  - targets: ['{{app.Address.Authority}}']
            """;
        await using var prometheus = await PrometheusServer.StartNewAsync(config);
        await prometheus.WaitForTargetUpAsync("thebot-backend");

        await TestHttp.WaitUntilAsync(async () =>
            (await prometheus.QueryAsync("thebot_http_requests_total{job=\"thebot-backend\",endpoint=\"/items\",method=\"POST\",status=\"200\"}")).GetArrayLength() == 1,
            TimeSpan.FromSeconds(20), () => "the POST /items series was not ingested");
        var up = await prometheus.QueryAsync("up{job=\"thebot-backend\"}");
        Assert.Equal("1", up[0].GetProperty("value")[1].GetString());
        var ingested = await prometheus.QueryAsync("scrape_samples_scraped{job=\"thebot-backend\"}");
        var samples = double.Parse(ingested[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(samples > 20, $"only {samples} samples scraped");
    }
}
