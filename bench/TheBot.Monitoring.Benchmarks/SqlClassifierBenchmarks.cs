using BenchmarkDotNet.Attributes;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Benchmarks;

/// <summary>
/// The per-command cost of DB instrumentation outside the database itself: classifying a statement that was seen
/// before (cache hit), classifying from scratch (first sight, or past the cache's capacity), and the whole
/// <see cref="DbMetrics.Record"/> (classify + cached series + counter + histogram).
/// </summary>
[MemoryDiagnoser]
public class SqlClassifierBenchmarks
{
    // A fresh string instance with the same text each time would defeat nothing: the cache compares by value.
    private const string Short = "SELECT id, title, due_at FROM assignments WHERE id = $1";

    private const string Long =
        "WITH recent AS (SELECT s.id, s.assignment_id FROM submissions s WHERE s.created_at > now() - interval '1 day') " +
        "SELECT a.id, a.title, count(r.id) FROM public.assignments a JOIN recent r ON r.assignment_id = a.id " +
        "WHERE a.course_id = $1 AND a.status = 'open' GROUP BY a.id, a.title ORDER BY a.due_at LIMIT 50";

    private SqlClassifier _classifier = null!;
    private DbMetrics _metrics = null!;

    [GlobalSetup]
    public void Setup()
    {
        _classifier = new SqlClassifier();
        _metrics = new DbMetrics(new MetricRegistry(), _classifier);
        _classifier.Classify(Short);
        _classifier.Classify(Long);
        _metrics.Record("thebot", Short, 1234, failed: false);
    }

    [Benchmark(Baseline = true)]
    public SqlShape Classify_Cached_Short() => _classifier.Classify(Short);

    [Benchmark]
    public SqlShape Classify_Cached_Long() => _classifier.Classify(Long);

    [Benchmark]
    public SqlShape Parse_Uncached_Short() => SqlClassifier.Parse(Short);

    [Benchmark]
    public SqlShape Parse_Uncached_Long() => SqlClassifier.Parse(Long);

    [Benchmark]
    public void Record_Cached_Short() => _metrics.Record("thebot", Short, 1234, failed: false);
}
