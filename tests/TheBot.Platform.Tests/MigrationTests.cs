using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TheBot.Api.Data;
using TheBot.Platform.Tests.Support;
using Xunit;
using TheBot.Testing;

namespace TheBot.Platform.Tests;

/// <summary>The schema migrator against a fresh database of the shared PostgreSQL.</summary>
[Collection(PlatformCollection.Name)]
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class MigrationTests(FullPlatformFixture platform)
{
    [Fact]
    public async Task Migrations_are_ordered_idempotent_and_safe_to_run_concurrently()
    {
        var migrations = Migration.Embedded();
        Assert.Equal(migrations.Select(m => m.Version).Order(StringComparer.Ordinal), migrations.Select(m => m.Version));
        Assert.True(migrations.Count >= 4);

        var connectionString = await platform.Postgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);

        // Three instances starting together: the advisory lock lets one apply, the others find it done.
        var versions = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SchemaMigrator.ApplyAsync(dataSource, migrations, NullLogger.Instance, CancellationToken.None)));
        Assert.All(versions, v => Assert.Equal(migrations[^1].Version, v));
        Assert.Equal(migrations[^1].Version, await SchemaMigrator.ApplyAsync(dataSource, migrations, NullLogger.Instance, CancellationToken.None));

        await using var command = dataSource.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)migrations.Count, await command.ExecuteScalarAsync());
    }
}
