using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>One real PostgreSQL and one real Redis shared by the tests that need them.</summary>
public sealed class RealServers : IAsyncLifetime
{
    public PostgresServer Postgres { get; } = new();

    public RedisServer Redis { get; } = new();

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Postgres.InitializeAsync(), Redis.InitializeAsync());
    }

    public async Task DisposeAsync()
    {
        await Postgres.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RealServersCollection : ICollectionFixture<RealServers>
{
    public const string Name = "real servers";
}
