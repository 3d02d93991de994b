using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TheBot.Monitoring.Health;
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
}
