using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace TheBot.Monitoring.Data;

/// <summary>
/// Wraps any ADO.NET <see cref="DbDataSource"/> (Npgsql's included) so that every command executed through its
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
