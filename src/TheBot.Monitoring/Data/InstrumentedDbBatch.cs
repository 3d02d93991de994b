using System.Data;
using System.Data.Common;
using System.Diagnostics;

namespace TheBot.Monitoring.Data;

/// <summary>
/// A batch that records its execution into <see cref="DbMetrics"/> as one observation: its commands go to the server
/// in one round trip and come back as one result stream, so there is no per-command duration to measure. The
/// observation takes the operation and table of the batch's first command, whose result is the first one back.
/// </summary>
internal sealed class InstrumentedDbBatch : DbBatch, IMeasuredExecution
{
    private readonly DbBatch _inner;
    private readonly DbMetrics _metrics;
    private readonly string _database;
    private DbConnection? _connection;

    internal InstrumentedDbBatch(DbBatch inner, DbConnection? connection, DbMetrics metrics, string database)
    {
        _inner = inner;
        _connection = connection;
        _metrics = metrics;
        _database = database;
    }

    /// <inheritdoc />
    public override int Timeout
    {
        get => _inner.Timeout;
        set => _inner.Timeout = value;
    }

    /// <inheritdoc />
    protected override DbBatchCommandCollection DbBatchCommands => _inner.BatchCommands;

    /// <inheritdoc />
    protected override DbConnection? DbConnection
    {
        get => _connection ?? _inner.Connection;
        set
        {
            _connection = value;
            // The provider's batch runs only on the provider's own connection.
            _inner.Connection = value is InstrumentedDbConnection instrumented ? instrumented.Inner : value;
        }
    }

    /// <inheritdoc />
    protected override DbTransaction? DbTransaction
    {
        get => _inner.Transaction;
        set => _inner.Transaction = value;
    }

    /// <inheritdoc />
    public override void Cancel() => _inner.Cancel();

    /// <inheritdoc />
    public override void Prepare() => _inner.Prepare();

    /// <inheritdoc />
    public override Task PrepareAsync(CancellationToken cancellationToken = default) => _inner.PrepareAsync(cancellationToken);

    /// <inheritdoc />
    protected override DbBatchCommand CreateDbBatchCommand() => _inner.CreateBatchCommand();

    /// <inheritdoc />
    public override int ExecuteNonQuery() => MeasuredExecution.Measure(this, _inner, CommandBehavior.Default, static (b, _) => b.ExecuteNonQuery());

    /// <inheritdoc />
    public override object? ExecuteScalar() => MeasuredExecution.Measure(this, _inner, CommandBehavior.Default, static (b, _) => b.ExecuteScalar());

    /// <inheritdoc />
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => MeasuredExecution.Measure(this, _inner, behavior, static (b, h) => b.ExecuteReader(h));

    /// <inheritdoc />
    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken = default) =>
        MeasuredExecution.MeasureAsync(this, _inner, CommandBehavior.Default, static (b, _, ct) => b.ExecuteNonQueryAsync(ct), cancellationToken);

    /// <inheritdoc />
    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken = default) =>
        MeasuredExecution.MeasureAsync(this, _inner, CommandBehavior.Default, static (b, _, ct) => b.ExecuteScalarAsync(ct), cancellationToken);

    /// <inheritdoc />
    protected override Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        MeasuredExecution.MeasureAsync(this, _inner, behavior, static (b, h, ct) => b.ExecuteReaderAsync(h, ct), cancellationToken);

    /// <inheritdoc />
    public override void Dispose()
    {
        _inner.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync() => _inner.DisposeAsync();

    void IMeasuredExecution.Record(long started, bool failed)
    {
        var commands = _inner.BatchCommands;
        // An empty batch still ran (or failed) on the server's behalf: it counts, as a command with no SQL does.
        var first = commands.Count > 0 ? commands[0].CommandText : null;
        _metrics.Record(_database, first, Stopwatch.GetTimestamp() - started, failed);
    }
}
