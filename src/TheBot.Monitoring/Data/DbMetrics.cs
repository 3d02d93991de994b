using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Data;

/// <summary>The database families of contract §5 and the recording of one executed command.</summary>
public sealed class DbMetrics
{
    /// <summary>
    /// Default query-duration buckets, in seconds: from 0.5 ms (an indexed row over loopback) to 10 s;
    /// 0.5 s is the "slow query" line of the BackendSlowQueries alert.
    /// </summary>
    public static readonly double[] DefaultDurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly SqlClassifier _classifier;

    /// <summary>Creates the families in <paramref name="registry"/>.</summary>
    public DbMetrics(MetricRegistry registry, SqlClassifier classifier)
    {
        _classifier = classifier;
        Queries = registry.Counter("thebot_db_queries_total",
            "Database commands executed (failed ones included), by database, operation and main table.", "database", "operation", "table");
        Duration = registry.DurationHistogram("thebot_db_query_duration_seconds",
            "Time to execute a database command until its first result, by database, operation and main table.",
            DefaultDurationBuckets, "database", "operation", "table");
        Errors = registry.Counter("thebot_db_query_errors_total",
            "Database commands that failed, by database, operation and main table.", "database", "operation", "table");
        ConnectionErrors = registry.Counter("thebot_db_connection_errors_total",
            "Connections that could not be opened (database down, refused, authentication failed, pool exhausted), by database.", "database");
    }

    /// <summary><c>thebot_db_connection_errors_total</c>.</summary>
    public MetricFamily<Counter> ConnectionErrors { get; }

    /// <summary><c>thebot_db_queries_total</c>.</summary>
    public MetricFamily<Counter> Queries { get; }

    /// <summary><c>thebot_db_query_duration_seconds</c>.</summary>
    public MetricFamily<Histogram> Duration { get; }

    /// <summary><c>thebot_db_query_errors_total</c>.</summary>
    public MetricFamily<Counter> Errors { get; }

    /// <summary>Records one command.</summary>
    /// <param name="database">The database name.</param>
    /// <param name="commandText">The SQL text (classified once, then cached).</param>
    /// <param name="elapsedTicks">Stopwatch ticks the command took.</param>
    /// <param name="failed">Whether it threw.</param>
    public void Record(string database, string? commandText, long elapsedTicks, bool failed)
    {
        var shape = _classifier.Classify(commandText);
        var series = shape.SeriesFor(this, database);
        series.Queries.Inc();
        series.Duration.ObserveTicks(elapsedTicks);
        if (failed)
        {
            series.Errors.Inc();
        }
    }
}

/// <summary>The three series of one (database, operation, table), cached on the shape.</summary>
internal sealed record DbSeries(string Database, Counter Queries, Histogram Duration, Counter Errors);
