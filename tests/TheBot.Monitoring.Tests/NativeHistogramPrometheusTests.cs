using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
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
/// both servers.
/// </summary>
public sealed class NativeHistogramPrometheusTests(ITestOutputHelper output)
{
    private const string MetricsPath = "/api/system/metrics/prometheus/";
    private const int Observations = 20_000;

    [Fact]
    public async Task Native_prometheus_answers_count_sum_quantile_and_fraction_from_native_buckets_and_classic_prometheus_keeps_the_buckets()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/hello", () => "hi"));
        for (var i = 0; i < 5; i++)
        {
            await app.Client.GetAsync("/hello");
        }

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
            scrape_configs:
              - job_name: app
                metrics_path: {{MetricsPath}}
                authorization: { type: Bearer, credentials: {{TestApp.ScrapeToken}} }
                static_configs: [{ targets: ['{{app.Address.Authority}}'] }]
            """;
        await using var native = await PrometheusServer.StartNewWithArgumentsAsync(config, ["--enable-feature=native-histograms"]);
        await using var classic = await PrometheusServer.StartNewAsync(config);
        await native.WaitForTargetUpAsync("app");
        await classic.WaitForTargetUpAsync("app");
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
    }

    private static async Task<double?> ScalarAsync(PrometheusServer prometheus, string promql)
    {
        var result = await prometheus.QueryAsync(promql);
        return result.GetArrayLength() == 0
            ? null
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }
}
