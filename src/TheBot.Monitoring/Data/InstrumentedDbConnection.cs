using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace TheBot.Monitoring.Data;

/// <summary>A connection whose commands are instrumented.</summary>
public sealed class InstrumentedDbConnection(DbConnection inner, DbMetrics metrics, string database) : DbConnection
{
    /// <summary>The wrapped connection (e.g. an NpgsqlConnection).</summary>
    public DbConnection Inner => inner;

    /// <inheritdoc />
    [AllowNull]
    public override string ConnectionString
    {
        get => inner.ConnectionString;
        set => inner.ConnectionString = value;
    }

    /// <inheritdoc />
    public override string Database => inner.Database;

    /// <inheritdoc />
    public override string DataSource => inner.DataSource;

    /// <inheritdoc />
    public override string ServerVersion => inner.ServerVersion;

    /// <inheritdoc />
    public override ConnectionState State => inner.State;

    /// <inheritdoc />
    public override void ChangeDatabase(string databaseName) => inner.ChangeDatabase(databaseName);

    /// <inheritdoc />
    public override void Close() => inner.Close();

    /// <inheritdoc />
    public override void Open()
    {
        try
        {
            inner.Open();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            metrics.ConnectionErrors.WithLabels(database).Inc();
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            await inner.OpenAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A request that gave up is not a database failure; everything else that stops the open is.
            metrics.ConnectionErrors.WithLabels(database).Inc();
            throw;
        }
    }

    /// <inheritdoc />
    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => inner.BeginTransaction(isolationLevel);

    /// <inheritdoc />
    protected override ValueTask<DbTransaction> BeginDbTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken) =>
        inner.BeginTransactionAsync(isolationLevel, cancellationToken);

    /// <inheritdoc />
    public override bool CanCreateBatch => inner.CanCreateBatch;

    /// <inheritdoc />
    protected override DbBatch CreateDbBatch() => new InstrumentedDbBatch(inner.CreateBatch(), this, metrics, database);

    /// <inheritdoc />
    protected override DbCommand CreateDbCommand() => new InstrumentedDbCommand(inner.CreateCommand(), this, metrics, database);

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
    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
