using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace TheBot.Monitoring.Data;

/// <summary>
/// Wraps any ADO.NET <see cref="DbDataSource"/> (Npgsql's included) so that every command and batch executed through its
/// connections is counted and timed, whatever runs on top: raw commands, Dapper, or anything taking a DbConnection.
/// </summary>
public sealed class InstrumentedDbDataSource(DbDataSource inner, DbMetrics metrics, string database) : DbDataSource
{
    /// <summary>The wrapped data source.</summary>
    public DbDataSource Inner => inner;

    /// <inheritdoc />
    [AllowNull]
    public override string ConnectionString => inner.ConnectionString;

    /// <inheritdoc />
    protected override DbConnection CreateDbConnection() => new InstrumentedDbConnection(inner.CreateConnection(), metrics, database);

    /// <inheritdoc />
    protected override DbCommand CreateDbCommand(string? commandText = null)
    {
        var command = inner.CreateCommand(commandText);
        return new InstrumentedDbCommand(command, null, metrics, database);
    }

    /// <inheritdoc />
    protected override DbBatch CreateDbBatch() => new InstrumentedDbBatch(inner.CreateBatch(), null, metrics, database);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override ValueTask DisposeAsyncCore() => inner.DisposeAsync();
}
