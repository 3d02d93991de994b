using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;

namespace TheBot.Api.Data;

/// <summary>
/// Applies the embedded migrations at start-up, idempotently: under a PostgreSQL advisory lock (several instances may
/// start together), each script not yet in <c>schema_migrations</c> runs in its own transaction with its row. While the
/// database is unreachable it retries, and readiness reports the schema as not applied. Once applied, it opens the
/// pool's minimum connections (<see cref="DatabasePool.WarmAsync"/>).
/// </summary>
public sealed partial class SchemaMigrator(DbDataSource dataSource, DatabasePool pool, SchemaState state, IOptions<DatabaseOptions> options, ILogger<SchemaMigrator> logger)
    : BackgroundService
{
    /// <summary>Key of the advisory lock ("thebot" in ASCII).</summary>
    public const long LockKey = 0x746865626f74;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var migrations = Migration.Embedded();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var version = await ApplyAsync(dataSource, migrations, logger, stoppingToken);
                state.Applied(version);
                LogSchemaReady(logger, version, migrations.Count);
                LogPoolWarmed(logger, await pool.WarmAsync(stoppingToken));
                return;
            }
            catch (Exception exception) when (exception is DbException or IOException or TimeoutException or System.Net.Sockets.SocketException)
            {
                state.Failed(exception.Message);
                LogSchemaPending(logger, exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(options.Value.MigrationRetrySeconds), stoppingToken);
            }
        }
    }

    /// <summary>Applies what is missing and returns the latest version.</summary>
    public static async Task<string> ApplyAsync(DbDataSource dataSource, IReadOnlyList<Migration> migrations, ILogger logger, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = LockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken: cancellationToken));
            var applied = (await connection.QueryAsync<(string Version, string Checksum)>(new CommandDefinition(
                "SELECT version, checksum FROM schema_migrations", cancellationToken: cancellationToken))).ToDictionary(r => r.Version, r => r.Checksum);

            foreach (var migration in migrations)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        LogChecksumChanged(logger, migration.Version);
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (version, checksum) VALUES (@Version, @Checksum)", migration, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                LogApplied(logger, migration.Version);
            }
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@key)", new { key = LockKey }, cancellationToken: CancellationToken.None));
        }

        return migrations.Count == 0 ? "none" : migrations[^1].Version;
    }

    [LoggerMessage(LogLevel.Information, "schema applied up to {SchemaVersion} ({MigrationCount} migrations)")]
    private static partial void LogSchemaReady(ILogger logger, string schemaVersion, int migrationCount);

    [LoggerMessage(LogLevel.Information, "database pool warmed: {ConnectionCount} connection(s) open")]
    private static partial void LogPoolWarmed(ILogger logger, int connectionCount);

    [LoggerMessage(LogLevel.Warning, "schema not applied yet, retrying: {Reason}")]
    private static partial void LogSchemaPending(ILogger logger, string reason);

    [LoggerMessage(LogLevel.Information, "migration {SchemaVersion} applied")]
    private static partial void LogApplied(ILogger logger, string schemaVersion);

    [LoggerMessage(LogLevel.Warning, "migration {SchemaVersion} changed after it was applied; it is not run again")]
    private static partial void LogChecksumChanged(ILogger logger, string schemaVersion);
}
