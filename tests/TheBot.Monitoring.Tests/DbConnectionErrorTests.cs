using Npgsql;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Tests.Support;
using TheBot.Stack;
using Xunit;

namespace TheBot.Monitoring.Tests;

public sealed class DbConnectionErrorTests
{
    [Fact]
    public async Task A_connection_that_cannot_open_is_counted_and_rethrown_but_a_cancelled_open_is_not()
    {
        var registry = new MetricRegistry();
        var metrics = new DbMetrics(registry, new SqlClassifier());
        // Nothing listens on a free loopback port: the kernel refuses the connection, as it does when PostgreSQL is down.
        var nowhere = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={Ports.GetFree()};Database=nowhere;Username=nobody;Timeout=3;Pooling=false");
        await using var source = new InstrumentedDbDataSource(nowhere, metrics, "nowhere");

        await using (var connection = source.CreateConnection())
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());
        }

        await using (var connection = source.CreateConnection())
        {
            Assert.ThrowsAny<NpgsqlException>(connection.Open);
        }

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await using (var connection = source.CreateConnection())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.OpenAsync(cancelled.Token));
        }

        var writer = new ExpositionWriter();
        registry.WriteTo(writer);
        var text = System.Text.Encoding.UTF8.GetString(writer.WrittenMemory.Span);
        Assert.Equal(2, Exposition.Value(text, "thebot_db_connection_errors_total", ("database", "nowhere")));
        Assert.DoesNotContain("thebot_db_query_errors_total{", text, StringComparison.Ordinal);
    }
}
