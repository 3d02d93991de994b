using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// Two real Prometheus 2.42 servers scrape one app using the library after known observations: one started with
/// <c>--enable-feature=native-histograms</c> (it negotiates protobuf and stores native histograms), one without (it
/// gets OpenMetrics and the classic buckets). PromQL over the native histogram returns the observed count and sum,
/// a p95 within one bucket of the exact one, the exact share under 1 s through histogram_fraction, and the
/// exemplar of the classic bucket (filed under the native series); rules written as "classic `or` native" answer on
/// both servers. Both load the project's recording and alert rules (evaluated every second): every rule evaluates
/// without error in either mode, and on a latency fault (requests slowed to 1.1 s) BackendHighLatency and the latency
/// SLO's 1h burn alert fire on both servers (their <c>for</c> shortened to seconds) — on the native one from native
/// histograms only — while with fast requests alone they stay inactive; the slow-query rule counts the queries over 0.5 s in both modes.
/// </summary>
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class NativeHistogramPrometheusTests(ITestOutputHelper output)
{
    private const string MetricsPath = "/api/system/metrics/prometheus/";
    private const int Observations = 20_000;

    [Fact]
    public async Task Native_prometheus_answers_count_sum_quantile_and_fraction_from_native_buckets_and_classic_prometheus_keeps_the_buckets()
    {
        await using var app = await TestApp.StartAsync(a =>
        {
            a.MapGet("/hello", () => "hi");
            // The latency fault: a request that takes `ms` milliseconds.
            a.MapGet("/work", async (int ms) =>
            {
                await Task.Delay(ms);
                return "done";
            });
        });
        for (var i = 0; i < 5; i++)
        {
            await app.Client.GetAsync("/hello");
        }

        // Once before the first scrape, so the /work and query series exist and rate() later sees every later one.
        await app.Client.GetAsync("/work?ms=0");
        var queries = app.Services.GetRequiredService<DbMetrics>().Duration.WithLabels("thebot", "select", "todos");
        queries.Observe(0.001);

        // A known latency distribution: log-normal, median 120 ms, σ = 0.6 (p95 ≈ 320 ms, ~1 % over 1 s), fixed seed.
        var random = new Random(2026);
        var values = new double[Observations];
        for (var i = 0; i < values.Length; i++)
        {
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            values[i] = 0.120 * Math.Exp(0.6 * normal);
        }

        var registry = app.Services.GetRequiredService<MetricRegistry>();
        var histogram = registry.DurationHistogram("test_latency_seconds", "A known distribution.", HttpMetrics.DefaultDurationBuckets).Unlabelled();
        registry.ExemplarsWanted = true;
        string traceId;
        using (var activity = new Activity("native-exemplar").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            traceId = activity.TraceId.ToHexString();
            histogram.Observe(values[0]);
        }

        foreach (var value in values.Skip(1))
        {
            histogram.Observe(value);
        }

        var sorted = values.Order().ToArray();
        var exactP95 = sorted[(int)Math.Ceiling(0.95 * Observations) - 1];
        var underOneSecond = values.Count(v => v <= 1) / (double)Observations;

        var config = $$"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [recording_rules.yml, alert_rules.yml]
            scrape_configs:
              - job_name: thebot-backend
                metrics_path: {{MetricsPath}}
                authorization: { type: Bearer, credentials: {{TestApp.ScrapeToken}} }
                static_configs: [{ targets: ['{{app.Address.Authority}}'] }]
            """;
        var rules = new[] { "recording_rules.yml", "alert_rules.yml" }
            .ToDictionary(f => f, f => File.ReadAllText(Repository.PathOf(Path.Combine("monitoring", "prometheus", f))));
        rules["alert_rules.yml"] = AlertRules.WithFor(rules["alert_rules.yml"], LatencyAlerts.ToDictionary(a => a.Alert, _ => ShortFor));
        await using var native = await PrometheusServer.StartNewWithArgumentsAsync(config, ["--enable-feature=native-histograms"], rules);
        await using var classic = await PrometheusServer.StartNewAsync(config, rules);
        await native.WaitForTargetUpAsync("thebot-backend");
        await classic.WaitForTargetUpAsync("thebot-backend");
        await TestHttp.WaitUntilAsync(async () => await ScalarAsync(native, "histogram_count(test_latency_seconds)") == Observations,
            TimeSpan.FromSeconds(20), () => "the native histogram was not ingested");
        await TestHttp.WaitUntilAsync(async () => await ScalarAsync(classic, "test_latency_seconds_count") == Observations,
            TimeSpan.FromSeconds(20), () => "the classic histogram was not ingested");

        // Native: count and sum as observed, no classic series at all (2.42 keeps one kind per histogram).
        Assert.Equal(values.Sum(), (await ScalarAsync(native, "histogram_sum(test_latency_seconds)"))!.Value, 6);
        Assert.Equal(0, (await native.QueryAsync("test_latency_seconds_bucket")).GetArrayLength());
        Assert.Equal(5, await ScalarAsync(native, "histogram_count(thebot_http_request_duration_seconds{endpoint=\"/hello\"})"));

        // p95 lies within one bucket's relative width (2^(1/8) − 1 ≈ 9.05 %) of the exact nearest-rank p95.
        var nativeP95 = (await ScalarAsync(native, "histogram_quantile(0.95, test_latency_seconds)"))!.Value;
        var nativeError = (nativeP95 / exactP95) - 1;
        Assert.InRange(Math.Abs(nativeError), 0, Math.Pow(2, 1.0 / 8) - 1);

        // 1 s is a bucket bound at every schema, so the share under it is exact (the SLO's "good" fraction).
        var fraction = (await ScalarAsync(native, "histogram_fraction(0, 1, test_latency_seconds)"))!.Value;
        Assert.Equal(underOneSecond, fraction, 9);

        // Classic: the same app scraped without the feature still has its 11 + 1 buckets and the same count.
        Assert.Equal(12, await ScalarAsync(classic, "count(test_latency_seconds_bucket)"));
        // OpenMetrics was negotiated, so the bounds arrive canonical and Prometheus 2.42 stores them as read.
        Assert.Equal(1, await ScalarAsync(classic, "count(test_latency_seconds_bucket{le=\"1.0\"})"));
        Assert.Null(await ScalarAsync(classic, "count(test_latency_seconds_bucket{le=\"1\"})"));
        var classicP95 = (await ScalarAsync(classic, "histogram_quantile(0.95, test_latency_seconds_bucket)"))!.Value;
        var classicError = (classicP95 / exactP95) - 1;
        var bounds = HttpMetrics.DefaultDurationBuckets;
        var upper = bounds.First(b => b >= exactP95);
        var lower = bounds.LastOrDefault(b => b < exactP95);
        Assert.InRange(classicP95, lower, upper); // within its (much wider) classic bucket

        // Exemplars ride on the classic buckets in both formats (both servers run with exemplar storage): the native
        // server files them under the histogram's own name, the classic one under the bucket series.
        var start = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds();
        var end = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds();
        foreach (var (server, selector) in new[] { (native, "test_latency_seconds"), (classic, "test_latency_seconds_bucket") })
        {
            var found = Assert.Single((await server.GetJsonAsync($"/api/v1/query_exemplars?query={selector}&start={start}&end={end}")).GetProperty("data").EnumerateArray());
            Assert.Equal(selector, found.GetProperty("seriesLabels").GetProperty("__name__").GetString());
            var exemplar = Assert.Single(found.GetProperty("exemplars").EnumerateArray());
            Assert.Equal(traceId, exemplar.GetProperty("labels").GetProperty("trace_id").GetString());
            Assert.Equal(values[0], double.Parse(exemplar.GetProperty("value").GetString()!, CultureInfo.InvariantCulture));
        }

        // Rules written for both modes: the classic expression `or` its native twin answers on either server. A second
        // batch of the same distribution gives rate() something to see.
        foreach (var value in values)
        {
            histogram.Observe(value);
        }

        const string p95Rule = "histogram_quantile(0.95, sum by (job, le) (rate(test_latency_seconds_bucket[1m])))"
                               + " or histogram_quantile(0.95, sum by (job) (rate(test_latency_seconds[1m])))";
        const string sloRule = "(1 - sum by (job) (rate(test_latency_seconds_bucket{le=~\"1(\\\\.0)?\"}[1m])) / sum by (job) (rate(test_latency_seconds_count[1m])))"
                               + " or (1 - histogram_fraction(0, 1, sum by (job) (rate(test_latency_seconds[1m]))))";
        foreach (var (server, tolerance) in new[] { (native, Math.Pow(2, 1.0 / 8) - 1), (classic, (upper / exactP95) - 1) })
        {
            double? p95 = null;
            await TestHttp.WaitUntilAsync(async () => (p95 = await ScalarAsync(server, p95Rule)) is { } v && !double.IsNaN(v),
                TimeSpan.FromSeconds(20), () => $"the p95 rule gave {p95}");
            Assert.InRange(Math.Abs((p95!.Value / exactP95) - 1), 0, tolerance);
            // A scrape can land while the second batch is being observed; the share is exact once one after it is in.
            double? slo = null;
            await TestHttp.WaitUntilAsync(async () => (slo = await ScalarAsync(server, sloRule)) is { } v && Math.Abs(v - (1 - underOneSecond)) < 5e-7,
                TimeSpan.FromSeconds(20), () => $"the SLO rule gave {slo}, not {1 - underOneSecond}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"exact p95 {exactP95:F4} s; native {nativeP95:F4} s ({nativeError:P2}); classic {classicP95:F4} s ({classicError:P2}); share ≤ 1 s exact {underOneSecond:F5}, histogram_fraction {fraction:F5}"));

        await LatencyAlertsFollowTheFaultAsync(app, native, classic);
        await SlowQueryRuleCountsInBothModesAsync(queries, native, classic);
    }

    /// <summary>
    /// job:thebot_db_slow_queries:rate5m (BackendSlowQueries' input) on both servers: half of 80 queries over 0.5 s, so
    /// the rule's rate is half the query rate — on the native server through histogram_fraction alone.
    /// </summary>
    private static async Task SlowQueryRuleCountsInBothModesAsync(Histogram queries, PrometheusServer native, PrometheusServer classic)
    {
        for (var i = 0; i < 40; i++)
        {
            queries.Observe(0.8);
            queries.Observe(0.01);
        }

        foreach (var (server, total) in new[]
                 {
                     (native, "histogram_count(sum by (job) (rate(thebot_db_query_duration_seconds[5m])))"),
                     (classic, "sum by (job) (rate(thebot_db_query_duration_seconds_count[5m]))"),
                 })
        {
            double? share = null;
            await TestHttp.WaitUntilAsync(async () => (share = await ScalarAsync(server, $"job:thebot_db_slow_queries:rate5m / {total}")) is >= 0.45 and <= 0.55,
                TimeSpan.FromSeconds(20), () => $"slow-query share {share} (expected 0.5)");
        }

        Assert.Equal(0, (await native.QueryAsync("{__name__=~\"thebot_db_query_duration_seconds_(bucket|count|sum)\"}")).GetArrayLength());
    }

    /// <summary>Alerts whose firing the fault must cause: (alertname, slo label or null).</summary>
    private static readonly (string Alert, string? Slo)[] LatencyAlerts = [("BackendHighLatency", null), ("BackendErrorBudgetBurn1h", "latency")];

    /// <summary>
    /// The <c>for</c> this test gives <see cref="LatencyAlerts"/> instead of their production 10m and 2m, so they reach
    /// firing within the test; the production <c>for</c> and its edges are proven by the promtool unit tests.
    /// </summary>
    private static readonly TimeSpan ShortFor = TimeSpan.FromSeconds(4);

    private async Task LatencyAlertsFollowTheFaultAsync(TestApp app, PrometheusServer native, PrometheusServer classic)
    {
        var clock = Stopwatch.StartNew();
        const string p95 = "job:thebot_http_request_duration_seconds:p95{job=\"thebot-backend\"}";
        const string burn5m = "slo:sli_error:ratio_rate5m{job=\"thebot-backend\",slo=\"latency\"}";

        // No fault: 80 fast requests, enough traffic for the alert's rate condition (≥ 0.1/s over 5m).
        await Task.WhenAll(Enumerable.Range(0, 80).Select(_ => app.Client.GetAsync("/work?ms=0")));
        foreach (var server in new[] { native, classic })
        {
            await TestHttp.WaitUntilAsync(async () => await ScalarAsync(server, p95) is { } v && !double.IsNaN(v) && await ScalarAsync(server, burn5m) is not null,
                TimeSpan.FromSeconds(20), () => "the latency recording rules gave no value");
            Assert.True(await ScalarAsync(server, "job:thebot_http_user_requests:rate5m{job=\"thebot-backend\"}") >= 0.1);
        }

        // In native mode the values come from native histograms alone: no classic series and no classic rule output.
        Assert.Equal(0, (await native.QueryAsync("{__name__=~\"thebot_http_request_duration_seconds_(bucket|count|sum)\"}")).GetArrayLength());
        Assert.Equal(0, (await native.QueryAsync("job_le:thebot_http_request_duration_seconds_bucket:rate5m")).GetArrayLength());
        Assert.True((await classic.QueryAsync("job_le:thebot_http_request_duration_seconds_bucket:rate5m")).GetArrayLength() > 0);

        // Several evaluations later the latency alerts are still inactive, and every rule evaluates without error.
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var server in new[] { native, classic })
        {
            Assert.True(await ScalarAsync(server, p95) < 1);
            var active = await ActiveLatencyAlertsAsync(server);
            Assert.True(active.Count == 0, $"active without a fault: {string.Join(", ", active)}");
            var broken = await BrokenRulesAsync(server);
            Assert.True(broken.Count == 0, $"rules in error: {string.Join("; ", broken)}");
        }

        // The fault: 30 requests slowed to 1.1 s (a quarter of the traffic; the latency SLO allows 1 %, the 1h burn
        // alert fires over 14.4 %).
        await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => app.Client.GetAsync("/work?ms=1100")));
        foreach (var (server, mode) in new[] { (native, "native"), (classic, "classic") })
        {
            IReadOnlyList<string> active = [];
            await TestHttp.WaitUntilAsync(async () => (active = await ActiveLatencyAlertsAsync(server)).Count(a => a.EndsWith(" firing", StringComparison.Ordinal)) == LatencyAlerts.Length,
                TimeSpan.FromSeconds(30) + ShortFor, () => $"{mode}: only {string.Join(", ", active)} on the latency fault (each must be firing)");
            var value = (await ScalarAsync(server, p95))!.Value;
            Assert.True(value > 1, $"{mode}: p95 {value}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{mode}: on the fault p95 {value:F3} s, active: {string.Join(", ", active)}"));
        }

        Assert.Equal(0, (await native.QueryAsync("{__name__=~\"thebot_http_request_duration_seconds_(bucket|count|sum)\"}")).GetArrayLength());
        output.WriteLine($"latency alerts, no fault then fault, both modes: {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The <see cref="LatencyAlerts"/> that are pending or firing, as "name{slo} state".</summary>
    private static async Task<IReadOnlyList<string>> ActiveLatencyAlertsAsync(PrometheusServer server)
    {
        var alerts = (await server.GetJsonAsync("/api/v1/alerts")).GetProperty("data").GetProperty("alerts").EnumerateArray();
        return [.. alerts
            .Select(a => (Labels: a.GetProperty("labels"), State: a.GetProperty("state").GetString()))
            .Where(a => LatencyAlerts.Any(l => a.Labels.GetProperty("alertname").GetString() == l.Alert
                && (l.Slo is null || (a.Labels.TryGetProperty("slo", out var slo) && slo.GetString() == l.Slo))))
            .Select(a => $"{a.Labels.GetProperty("alertname").GetString()} {a.State}")];
    }

    /// <summary>Rules whose last evaluation failed, as "name: error".</summary>
    private static async Task<IReadOnlyList<string>> BrokenRulesAsync(PrometheusServer server) =>
        [.. (await server.GetJsonAsync("/api/v1/rules")).GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Where(r => r.GetProperty("health").GetString() == "err")
            .Select(r => $"{r.GetProperty("name").GetString()}: {r.GetProperty("lastError").GetString()}")];

    private static async Task<double?> ScalarAsync(PrometheusServer prometheus, string promql)
    {
        var result = await prometheus.QueryAsync(promql);
        return result.GetArrayLength() == 0
            ? null
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }
}
