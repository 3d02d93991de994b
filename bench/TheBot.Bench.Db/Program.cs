using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Metrics;

// Usage: TheBot.Bench.Db --connection "Host=...;Database=...;Username=..." [--rounds 21] [--seconds 1.5] [--rows 10000]
//
// Each round runs, for a fixed time, the same loop through a plain NpgsqlDataSource and through
// InstrumentedDbDataSource wrapping it (the order alternates every round, so drift and noise hit both alike).
// One iteration = what service code does for one read: take a pooled connection, one parameterized
// `SELECT ... WHERE id = $1` by primary key, read the row, give the connection back.
var connection = Arg("--connection") ?? throw new ArgumentException("--connection is required");
var rounds = int.Parse(Arg("--rounds") ?? "21", CultureInfo.InvariantCulture);
var seconds = double.Parse(Arg("--seconds") ?? "1.5", CultureInfo.InvariantCulture);
var rows = int.Parse(Arg("--rows") ?? "10000", CultureInfo.InvariantCulture);

const string Query = "SELECT id, title, course_id, due_at FROM bench_assignments WHERE id = $1";

await using var plain = NpgsqlDataSource.Create(connection);
var registry = new MetricRegistry();
var metrics = new DbMetrics(registry, new SqlClassifier());
var instrumented = new InstrumentedDbDataSource(plain, metrics, "thebot");

await using (var setup = await plain.OpenConnectionAsync())
{
    await using var command = setup.CreateCommand();
    command.CommandText = $"""
        DROP TABLE IF EXISTS bench_assignments;
        CREATE TABLE bench_assignments (id integer PRIMARY KEY, title text NOT NULL, course_id integer NOT NULL, due_at timestamptz NOT NULL);
        INSERT INTO bench_assignments SELECT g, 'assignment ' || g, g % 97, now() + g * interval '1 minute' FROM generate_series(1, {rows}) g;
        ANALYZE bench_assignments;
        """;
    await command.ExecuteNonQueryAsync();
}

Console.WriteLine($"rounds={rounds} seconds/mode/round={seconds} rows={rows}");
Console.WriteLine($"query: {Query}");

// Warm both paths (JIT, pool, server plan cache).
await RunAsync(plain, rows, TimeSpan.FromSeconds(1));
await RunAsync(instrumented, rows, TimeSpan.FromSeconds(1));

var plainRates = new List<double>();
var instrumentedRates = new List<double>();
var ratios = new List<double>();
var plainCpu = new List<double>();
var instrumentedCpu = new List<double>();
var cpuRatios = new List<double>();
Console.WriteLine("round\tplain q/s\tinstrumented q/s\tratio\tplain us/q\tinstrumented us/q\tplain CPU us/q\tinstrumented CPU us/q");
for (var round = 1; round <= rounds; round++)
{
    (double Rate, double CpuUs) p, i;
    if (round % 2 == 1)
    {
        p = await RunAsync(plain, rows, TimeSpan.FromSeconds(seconds));
        i = await RunAsync(instrumented, rows, TimeSpan.FromSeconds(seconds));
    }
    else
    {
        i = await RunAsync(instrumented, rows, TimeSpan.FromSeconds(seconds));
        p = await RunAsync(plain, rows, TimeSpan.FromSeconds(seconds));
    }

    plainRates.Add(p.Rate);
    instrumentedRates.Add(i.Rate);
    ratios.Add(i.Rate / p.Rate);
    plainCpu.Add(p.CpuUs);
    instrumentedCpu.Add(i.CpuUs);
    cpuRatios.Add(i.CpuUs / p.CpuUs);
    Console.WriteLine(FormattableString.Invariant($"{round}\t{p.Rate:F0}\t{i.Rate:F0}\t{i.Rate / p.Rate:F4}\t{1e6 / p.Rate:F1}\t{1e6 / i.Rate:F1}\t{p.CpuUs:F2}\t{i.CpuUs:F2}"));
}

var medianRatio = Median(ratios);
Console.WriteLine();
Console.WriteLine("| path | median q/s | min q/s | max q/s | median µs/query |");
Console.WriteLine("|---|---:|---:|---:|---:|");
Console.WriteLine(FormattableString.Invariant($"| plain NpgsqlDataSource | {Median(plainRates):N0} | {plainRates.Min():N0} | {plainRates.Max():N0} | {1e6 / Median(plainRates):F1} |"));
Console.WriteLine(FormattableString.Invariant($"| InstrumentedDbDataSource | {Median(instrumentedRates):N0} | {instrumentedRates.Min():N0} | {instrumentedRates.Max():N0} | {1e6 / Median(instrumentedRates):F1} |"));
Console.WriteLine();
Console.WriteLine(FormattableString.Invariant($"median of per-round ratios (instrumented / plain): {medianRatio:F4}  → overhead {(1 - medianRatio) * 100:F2}%  (per-round ratios min {ratios.Min():F4}, max {ratios.Max():F4})"));
Console.WriteLine(FormattableString.Invariant($"ratio of medians: {Median(instrumentedRates) / Median(plainRates):F4}"));
Console.WriteLine(FormattableString.Invariant($"client CPU per query (this process, µs): plain median {Median(plainCpu):F2}, instrumented median {Median(instrumentedCpu):F2}; median of per-round CPU ratios (instrumented / plain) {Median(cpuRatios):F4}"));

var recorded = metrics.Queries.Series.Sum(s => s.Value);
Console.WriteLine(FormattableString.Invariant($"thebot_db_queries_total recorded: {recorded:N0} (labels: {string.Join(",", metrics.Queries.Series[0].LabelValues)})"));
return 0;

// Returns queries per second and this process's CPU microseconds per query (CPU time is not spent waiting for the
// server, so it shows the client-side cost, the part the instrumentation adds to, with far less scheduling noise).
static async Task<(double Rate, double CpuUs)> RunAsync(DbDataSource source, int max, TimeSpan duration)
{
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var random = new Random(7);
    var count = 0L;
    var started = Stopwatch.GetTimestamp();
    var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    long now;
    do
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = Query;
        var parameter = command.CreateParameter();
        parameter.Value = random.Next(1, max + 1);
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException("row not found");
        }

        _ = reader.GetInt32(0);
        _ = reader.GetString(1);
        count++;
        now = Stopwatch.GetTimestamp();
    }
    while (now < until);

    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    return (count / ((now - started) / (double)Stopwatch.Frequency), cpu.TotalMicroseconds / count);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

string? Arg(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
