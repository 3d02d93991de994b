using TheBot.Stack;
using TheBot.Stack.Components;

namespace TheBot.Testing;

/// <summary>
/// A real PostgreSQL (with <c>pg_stat_statements</c>) on a free port in a temp folder, database <c>thebot</c>;
/// fast, non-durable settings. <see cref="ServerFixture.StopAsync"/>/<see cref="ServerFixture.StartAsync"/> keep the data.
/// </summary>
public class PostgresServer : ServerFixture
{
    /// <summary>Describes the server; it starts in <see cref="ServerFixture.InitializeAsync"/>.</summary>
    public PostgresServer() => Server = new PostgreSql(Paths, Ports.GetFree(), password: "thebot-test") { Durable = false };

    /// <summary>The component (port, password, psql helper).</summary>
    public PostgreSql Server { get; }

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port => Server.Port;

    /// <summary>Npgsql connection string of the <c>thebot</c> database.</summary>
    public string ConnectionString => Server.ConnectionString;

    /// <inheritdoc />
    protected override string MainProcess => ServiceNames.PostgreSql;

    /// <summary>Starts a server outside xunit's fixture lifecycle.</summary>
    public static Task<PostgresServer> StartNewAsync() => StartAsync(new PostgresServer());

    /// <summary>Creates a fresh database (with <c>pg_stat_statements</c>) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "test_" + Guid.NewGuid().ToString("N")[..12];
        await Server.CreateDatabaseAsync(name);
        return Server.ConnectionStringFor(name);
    }

    /// <summary>Runs SQL with psql and returns its unaligned, tuples-only output.</summary>
    public Task<string> QueryAsync(string sql, string? database = null) => Server.PsqlAsync(sql, database);

    /// <inheritdoc />
    protected override IEnumerable<ProcessSpec> CreateSpecs() => [Server.Spec];
}
