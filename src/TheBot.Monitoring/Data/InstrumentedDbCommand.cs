using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace TheBot.Monitoring.Data;

/// <summary>A command that records its execution into <see cref="DbMetrics"/>.</summary>
public sealed class InstrumentedDbCommand : DbCommand
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
    public override int ExecuteNonQuery() => Measure(CommandBehavior.Default, static (c, _) => c.ExecuteNonQuery());

    /// <inheritdoc />
    public override object? ExecuteScalar() => Measure(CommandBehavior.Default, static (c, _) => c.ExecuteScalar());

    /// <inheritdoc />
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Measure(behavior, static (c, b) => c.ExecuteReader(b));

    /// <inheritdoc />
    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) =>
        MeasureAsync(CommandBehavior.Default, static (c, _, ct) => c.ExecuteNonQueryAsync(ct), cancellationToken);

    /// <inheritdoc />
    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) =>
        MeasureAsync(CommandBehavior.Default, static (c, _, ct) => c.ExecuteScalarAsync(ct), cancellationToken);

    /// <inheritdoc />
    protected override Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        MeasureAsync(behavior, static (c, b, ct) => c.ExecuteReaderAsync(b, ct), cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    // The callbacks are static lambdas (cached delegates), so measuring adds no allocation to a command.
    private T Measure<T>(CommandBehavior behavior, Func<DbCommand, CommandBehavior, T> execute)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = execute(_inner, behavior);
            Record(started, failed: false);
            return result;
        }
        catch
        {
            Record(started, failed: true);
            throw;
        }
    }

    private async Task<T> MeasureAsync<T>(CommandBehavior behavior, Func<DbCommand, CommandBehavior, CancellationToken, Task<T>> execute, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await execute(_inner, behavior, cancellationToken);
            Record(started, failed: false);
            return result;
        }
        catch
        {
            Record(started, failed: true);
            throw;
        }
    }

    private void Record(long started, bool failed) =>
        _metrics.Record(_database, _inner.CommandText, Stopwatch.GetTimestamp() - started, failed);
}
