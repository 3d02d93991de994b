using TheBot.Monitoring.Tests.Support;

namespace TheBot.Monitoring.Tests.SampleApp;

/// <summary>
/// The database commands the sample app ran on its SQLite database (EF Core names it <c>main</c>), by operation and
/// table: the samples of the three per-command <c>thebot_db_*</c> families, none of them failed.
/// </summary>
public sealed class ExpectedQueries
{
    private const string Database = "main";

    private readonly Dictionary<(string Operation, string Table), int> _commands = [];

    /// <summary>Counts <paramref name="times"/> commands of one operation on one table.</summary>
    public ExpectedQueries Add(string operation, string table, int times = 1)
    {
        _commands[(operation, table)] = _commands.GetValueOrDefault((operation, table)) + times;
        return this;
    }

    /// <summary><c>thebot_db_queries_total</c>.</summary>
    public IEnumerable<string> Totals() => Samples("thebot_db_queries_total", count => count);

    /// <summary><c>thebot_db_query_errors_total</c>: a series for every statement shape seen, all at zero.</summary>
    public IEnumerable<string> Errors() => Samples("thebot_db_query_errors_total", _ => 0);

    /// <summary><c>thebot_db_query_duration_seconds_count</c>: one observation per command.</summary>
    public IEnumerable<string> DurationCounts() => Samples("thebot_db_query_duration_seconds_count", count => count);

    private IEnumerable<string> Samples(string name, Func<int, double> value) => _commands
        .Select(c => Exposition.Sample(name, [("database", Database), ("operation", c.Key.Operation), ("table", c.Key.Table)], value(c.Value)))
        .Order(StringComparer.Ordinal);
}
