using Npgsql;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// ADO.NET batches through the instrumented data source and connection, on a real PostgreSQL: once
/// <c>CreateBatch()</c> threw NotSupportedException after AddTheBotMonitoring, though Npgsql supports batches.
/// </summary>
[Collection(RealServersCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class DbBatchTests(RealServers servers)
{
    private static string Scrape(MetricRegistry registry)
    {
        var writer = new ExpositionWriter();
        registry.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(writer.WrittenMemory.Span);
    }

    private static double? Count(string text, string name, string operation, string table) =>
        Exposition.Value(text, name, ("database", "batches"), ("operation", operation), ("table", table));

    [Fact]
    public async Task A_batch_runs_through_the_data_source_and_a_connection_and_counts_once_under_its_first_command()
    {
        var registry = new MetricRegistry();
        var connectionString = await servers.Postgres.CreateDatabaseAsync();
        await using var source = new InstrumentedDbDataSource(NpgsqlDataSource.Create(connectionString), new DbMetrics(registry, new SqlClassifier()), "batches");
        await using (var create = source.CreateCommand("CREATE TABLE items (id int PRIMARY KEY)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        // Straight on the data source: it opens and closes its own connection.
        await using (var batch = source.CreateBatch())
        {
            foreach (var sql in new[] { "INSERT INTO items VALUES (1)", "INSERT INTO items VALUES (2)" })
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = sql;
                batch.BatchCommands.Add(command);
            }

            Assert.Equal(2, await batch.ExecuteNonQueryAsync());
        }

        // On a connection, in a transaction, synchronously, reading results.
        await using (var connection = source.CreateConnection())
        {
            Assert.True(connection.CanCreateBatch);
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            Assert.Same(connection, batch.Connection);
            foreach (var sql in new[] { "SELECT count(*) FROM items", "INSERT INTO items VALUES (3)" })
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = sql;
                batch.BatchCommands.Add(command);
            }

            Assert.Equal(2L, batch.ExecuteScalar());
            await transaction.CommitAsync();
        }

        // A failing batch is counted as an error and rethrown.
        await using (var failing = source.CreateBatch())
        {
            var command = failing.CreateBatchCommand();
            command.CommandText = "DELETE FROM missing";
            failing.BatchCommands.Add(command);
            await Assert.ThrowsAsync<PostgresException>(() => failing.ExecuteNonQueryAsync());
        }

        var text = Scrape(registry);
        Assert.Equal(1, Count(text, "thebot_db_queries_total", "insert", "items"));
        Assert.Equal(1, Count(text, "thebot_db_query_duration_seconds_count", "insert", "items"));
        Assert.Equal(1, Count(text, "thebot_db_queries_total", "select", "items"));
        Assert.Equal(1, Count(text, "thebot_db_query_errors_total", "delete", "missing"));
        Assert.Equal(0, Count(text, "thebot_db_query_errors_total", "insert", "items"));
        await using var check = source.CreateCommand("SELECT count(*) FROM items");
        Assert.Equal(3L, await check.ExecuteScalarAsync());
    }
}
