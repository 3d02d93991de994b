using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace TheBot.Monitoring.Data;

/// <summary>A command that records its execution into <see cref="DbMetrics"/>.</summary>
public sealed class InstrumentedDbCommand : DbCommand, IMeasuredExecution
{
    private readonly DbCommand _inner;
    private readonly DbMetrics _metrics;
    private readonly string _database;
    private DbConnection? _connection;

    internal InstrumentedDbCommand(DbCommand inner, DbConnection? connection, DbMetrics metrics, string database)
    {
        _inner = inner;
        _connection = connection;
        _metrics = metrics;
        _database = database;
    }

    /// <inheritdoc />
    [AllowNull]
    public override string CommandText
    {
        get => _inner.CommandText;
        set => _inner.CommandText = value;
    }

    /// <inheritdoc />
    public override int CommandTimeout
    {
        get => _inner.CommandTimeout;
        set => _inner.CommandTimeout = value;
    }

    /// <inheritdoc />
    public override CommandType CommandType
    {
        get => _inner.CommandType;
        set => _inner.CommandType = value;
    }

    /// <inheritdoc />
    public override bool DesignTimeVisible
    {
        get => _inner.DesignTimeVisible;
        set => _inner.DesignTimeVisible = value;
    }

    /// <inheritdoc />
    public override UpdateRowSource UpdatedRowSource
    {
        get => _inner.UpdatedRowSource;
        set => _inner.UpdatedRowSource = value;
    }

    /// <inheritdoc />
    protected override DbConnection? DbConnection
    {
        get => _connection ?? _inner.Connection;
        set
        {
            _connection = value;
            _inner.Connection = value is InstrumentedDbConnection instrumented ? instrumented.Inner : value;
        }
    }

    /// <inheritdoc />
    protected override DbParameterCollection DbParameterCollection => _inner.Parameters;

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
    protected override DbParameter CreateDbParameter() => _inner.CreateParameter();

    /// <inheritdoc />
    public override int ExecuteNonQuery() => MeasuredExecution.Measure(this, _inner, CommandBehavior.Default, static (c, _) => c.ExecuteNonQuery());

    /// <inheritdoc />
    public override object? ExecuteScalar() => MeasuredExecution.Measure(this, _inner, CommandBehavior.Default, static (c, _) => c.ExecuteScalar());

    /// <inheritdoc />
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => MeasuredExecution.Measure(this, _inner, behavior, static (c, b) => c.ExecuteReader(b));

    /// <inheritdoc />
    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) =>
        MeasuredExecution.MeasureAsync(this, _inner, CommandBehavior.Default, static (c, _, ct) => c.ExecuteNonQueryAsync(ct), cancellationToken);

    /// <inheritdoc />
    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) =>
        MeasuredExecution.MeasureAsync(this, _inner, CommandBehavior.Default, static (c, _, ct) => c.ExecuteScalarAsync(ct), cancellationToken);

    /// <inheritdoc />
    protected override Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        MeasuredExecution.MeasureAsync(this, _inner, behavior, static (c, b, ct) => c.ExecuteReaderAsync(b, ct), cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    void IMeasuredExecution.Record(long started, bool failed) =>
        _metrics.Record(_database, _inner.CommandText, Stopwatch.GetTimestamp() - started, failed);
}
