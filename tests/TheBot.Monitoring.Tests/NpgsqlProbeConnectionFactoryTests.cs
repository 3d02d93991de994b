using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TheBot.Monitoring.Health;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>The unpooled connection TheBot.Monitoring.Npgsql opens for the database check, built without a server.</summary>
public sealed class NpgsqlProbeConnectionFactoryTests
{
    [Theory]
    [InlineData(1200, 1024)] // over Npgsql's limit: once "value ('1200') must be <= 1024", a database check failing forever
    [InlineData(2, 2)]
    [InlineData(0.2, 1)] // 0 would mean "wait forever"
    public async Task The_check_timeout_becomes_whole_seconds_Npgsql_accepts(double timeoutSeconds, int expected)
    {
        await using var provider = new ServiceCollection().AddTheBotNpgsqlHealthProbe().BuildServiceProvider();
        await using var source = NpgsqlDataSource.Create("Host=127.0.0.1;Username=x;Password=y");

        await using var connection = provider.GetRequiredService<IDatabaseProbeConnectionFactory>().CreateUnpooled(source, TimeSpan.FromSeconds(timeoutSeconds));

        var settings = new NpgsqlConnectionStringBuilder(Assert.IsType<NpgsqlConnection>(connection).ConnectionString);
        Assert.Equal(expected, settings.Timeout);
        Assert.Equal(expected, settings.CommandTimeout);
        Assert.False(settings.Pooling);
    }

    [Trait(TestCategory.Name, TestCategory.RealServers)]
    [Fact]
    public async Task An_app_whose_data_source_multiplexes_still_gets_a_probe_connection_that_opens()
    {
        await using var postgres = await PostgresServer.StartNewAsync();
        await using var provider = new ServiceCollection().AddTheBotNpgsqlHealthProbe().BuildServiceProvider();
        // Npgsql refuses Pooling=false with Multiplexing=true: once every check failed, readiness 503 forever.
        await using var source = NpgsqlDataSource.Create(postgres.ConnectionString + ";Multiplexing=true");
        int appBackend;
        await using (var command = source.CreateCommand("SELECT pg_backend_pid()"))
        {
            appBackend = (int)(await command.ExecuteScalarAsync())!;
        }

        await using var connection = provider.GetRequiredService<IDatabaseProbeConnectionFactory>().CreateUnpooled(source, TimeSpan.FromSeconds(5))!;
        await connection.OpenAsync();
        await using var probe = connection.CreateCommand();
        probe.CommandText = "SELECT pg_backend_pid()";

        // Its own, new backend: the probe still sees a postmaster that refuses new connections.
        Assert.NotEqual(appBackend, (int)(await probe.ExecuteScalarAsync())!);
        var settings = new NpgsqlConnectionStringBuilder(connection.ConnectionString);
        Assert.False(settings.Pooling);
        Assert.False(settings.Multiplexing);
    }
}
