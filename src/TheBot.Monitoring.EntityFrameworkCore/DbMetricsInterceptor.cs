using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Health;

namespace TheBot.Monitoring.EntityFrameworkCore;

/// <summary>
/// Records every command an Entity Framework Core context executes into the library's <see cref="DbMetrics"/>
/// (<c>thebot_db_queries_total</c>, <c>thebot_db_query_duration_seconds</c>, <c>thebot_db_query_errors_total</c>),
/// classified by the same cached <see cref="SqlClassifier"/> as the wrapped data source; and every connection the
/// context cannot open in <c>thebot_db_connection_errors_total</c>, as the wrapped data source counts its own.
/// </summary>
/// <remarks>
/// Commands that run on an <see cref="InstrumentedDbConnection"/> are already counted by that connection, so this
/// interceptor leaves them alone: a command (or a failed open) is counted once whichever way it reaches the database.
/// </remarks>
public sealed class DbMetricsInterceptor(DbMetrics metrics) : DbCommandInterceptor, IDbConnectionInterceptor
{
    // Remembered so that the series cached on a statement's shape (keyed by the database string's identity) is
    // reused rather than looked up again for every command of the same database.
    private string? _lastDatabase;

    /// <inheritdoc />
    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result) =>
        Succeeded(command, eventData, result);

    /// <inheritdoc />
    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Succeeded(command, eventData, result));

    /// <inheritdoc />
    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result) =>
        Succeeded(command, eventData, result);

    /// <inheritdoc />
    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Succeeded(command, eventData, result));

    /// <inheritdoc />
    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result) =>
        Succeeded(command, eventData, result);

    /// <inheritdoc />
    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Succeeded(command, eventData, result));

    /// <inheritdoc />
    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) =>
        Record(command, eventData, failed: true);

    /// <inheritdoc />
    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Record(command, eventData, failed: true);
        return Task.CompletedTask;
    }

    // EF reports a cancelled command here instead of CommandFailed; like the wrapped data source, it counts as failed.

    /// <inheritdoc />
    public override void CommandCanceled(DbCommand command, CommandEndEventData eventData) =>
        Record(command, eventData, failed: true);

    /// <inheritdoc />
    public override Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Record(command, eventData, failed: true);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) =>
        RecordConnectionFailure(connection, eventData);

    /// <inheritdoc />
    public Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        RecordConnectionFailure(connection, eventData);
        return Task.CompletedTask;
    }

    // Without this an EF Core application whose database cannot be opened (a SQLite file in a missing folder, a
    // PostgreSQL that refuses) would show no thebot_db_* series at all while every request fails.
    private void RecordConnectionFailure(DbConnection connection, ConnectionErrorEventData eventData)
    {
        // A caller that gave up is not a database failure, like in the wrapped data source. Nor is a failure EF Core
        // expected: Database.EnsureCreated, Migrate and CanConnect first try to open the database to learn whether
        // it exists (SQLite: a read-only open of a file not created yet; PostgreSQL: a database not created yet),
        // and EF reports such an open's failure at Debug instead of Error, the only mark it gives of it. Counting
        // them put a connection error on every app that creates its database at start.
        if (connection is InstrumentedDbConnection || eventData.Exception is OperationCanceledException || HealthProbeScope.Active
            || eventData.LogLevel == LogLevel.Debug)
        {
            return;
        }

        metrics.ConnectionErrors.WithLabels(DatabaseOf(connection)).Inc();
    }

    private T Succeeded<T>(DbCommand command, CommandEndEventData eventData, T result)
    {
        Record(command, eventData, failed: false);
        return result;
    }

    private void Record(DbCommand command, CommandEndEventData eventData, bool failed)
    {
        if (command is InstrumentedDbCommand || eventData.Connection is InstrumentedDbConnection || HealthProbeScope.Active)
        {
            return;
        }

        metrics.Record(DatabaseOf(eventData.Connection), command.CommandText, ToStopwatchTicks(eventData.Duration), failed);
    }

    private string DatabaseOf(DbConnection connection)
    {
        var name = connection.Database is { Length: > 0 } database ? database : "default";
        var last = _lastDatabase;
        if (string.Equals(last, name, StringComparison.Ordinal))
        {
            return last!;
        }

        _lastDatabase = name;
        return name;
    }

    private static long ToStopwatchTicks(TimeSpan duration) =>
        (long)(duration.Ticks * ((double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));
}
