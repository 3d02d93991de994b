using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using TheBot.Cli.Clients;
using TheBot.Cli.Commands;
using TheBot.Cli.Explain;
using TheBot.Monitoring;
using TheBot.Testing;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>explain</c> on a real Prometheus 2.42 with exemplar storage and the committed recording and alert rules,
/// scraping a real service instrumented by the library (job <c>thebot-backend</c>) whose slow endpoint logs a JSON
/// line with its trace id: BackendHighLatency goes pending, and explain names the slow requests and their log lines —
/// on a classic Prometheus and on one run with native histograms (no _bucket series; exemplars under the family's name)
/// scraping the same service.
/// </summary>
public sealed class ExplainTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private const string ScrapeToken = "explain-scrape-token";

    [Theory]
    [InlineData("BackendHighLatncy", "BackendHighLatency")] // a letter left out
    [InlineData("backendhighlatency", "BackendHighLatency")] // case
    [InlineData("PostgresDown", "PostgreSQLDown")] // the name people say
    [InlineData("HighLatency", "BackendHighLatency,FrontendHighLatency")] // part of a name
    [InlineData("DiskFull", "")] // nothing close: no guess
    public void A_mistyped_alert_name_gets_the_close_ones(string typed, string expected)
    {
        var known = CommittedAlerts.Names();
        Assert.Equal(expected, string.Join(',', AlertNameSuggestions.Close(typed, known)));
    }

    [Fact]
    public void A_firing_alert_says_when_it_fired_and_when_it_went_pending()
    {
        var pendingFrom = new DateTimeOffset(2026, 12, 5, 5, 17, 45, TimeSpan.Zero);
        var labels = new Dictionary<string, string>();
        Assert.Equal("firing since ~2026-12-05 05:19:45Z (pending from 2026-12-05 05:17:45Z)",
            ExplainCommand.Since(new ActiveAlert("firing", pendingFrom, 1, labels), TimeSpan.FromMinutes(2)));
        Assert.Equal("pending since 2026-12-05 05:17:45Z, fires ~2026-12-05 05:19:45Z if it still holds",
            ExplainCommand.Since(new ActiveAlert("pending", pendingFrom, 1, labels), TimeSpan.FromMinutes(2)));
        Assert.Equal("firing since 2026-12-05 05:17:45Z", ExplainCommand.Since(new ActiveAlert("firing", pendingFrom, 1, labels), TimeSpan.Zero));
    }

    [Fact]
    public void The_condition_and_histogram_of_BackendHighLatency_are_read_through_its_recording_rules()
    {
        var alert = Rule("alert_rules.yml", "alert", "BackendHighLatency");
        var (vector, op, threshold) = PromQlParts.Condition(alert);
        Assert.Equal("job:thebot_http_request_duration_seconds:p95{job=\"thebot-backend\"}", vector);
        Assert.Equal(">", op);
        Assert.Equal(1, threshold);
        Assert.Equal("thebot-backend", PromQlParts.Job(alert));

        var recording = RecordingRules();
        var expanded = AlertExplainer.Expand(alert, recording);
        Assert.Contains("thebot_http_request_duration_seconds_bucket", PromQlParts.Names(expanded));
        // Exemplars are looked up with the rules' own matchers: probes and scrapes are not user latency.
        Assert.Equal("{job=\"thebot-backend\",endpoint!~\"/api/system/.*\"}",
            AlertExplainer.Matchers(expanded, "thebot_http_request_duration_seconds_bucket", "thebot-backend"));
        Assert.Equal(string.Empty, AlertExplainer.Matchers("rate(x_bucket[5m])", "x_bucket", null));
        Assert.Equal("{job=\"a\"}", AlertExplainer.Matchers("rate(x_bucket[5m])", "x_bucket", "a"));
        // A comma or brace inside a quoted value stays in its matcher.
        Assert.Equal(["le=\"1\"", "endpoint=~\"/a,b|/{id}\""], PromQlParts.Matchers("sum(x_bucket{le=\"1\", endpoint=~\"/a,b|/{id}\"})", "x_bucket"));
        Assert.Equal(TimeSpan.FromMinutes(5), PromQlParts.WidestRange(expanded));
        Assert.DoesNotContain("le", PromQlParts.Names(expanded));
        Assert.DoesNotContain("histogram_quantile", PromQlParts.Names(expanded));
    }

    [Theory]
    [InlineData("rate(x_total[5m]) > bool 0.5", "rate(x_total[5m])", ">", 0.5)]
    [InlineData("sum(up{job=\"a>b\"}) < 1 and on (job) foo >= 2", "sum(up{job=\"a>b\"})", "<", 1.0)]
    [InlineData("absent(up{job=\"x\"})", "absent(up{job=\"x\"})", null, null)]
    public void Conditions_split_only_at_the_top_level(string expr, string vector, string? op, double? threshold) =>
        Assert.Equal((vector, op, threshold), PromQlParts.Condition(expr));

    [Fact]
    public void Every_or_branch_is_a_condition_of_its_own()
    {
        // A hung PostgreSQL leaves pg_up without a sample: the alert fires through its second branch only.
        Assert.Equal(
            [("pg_up", "==", 0.0), ("up{job=\"postgres\"}", "==", 0.0)],
            PromQlParts.Conditions(Rule("alert_rules.yml", "alert", "PostgreSQLDown")).Select(c => (c.Vector, c.Operator, c.Threshold)));
        Assert.Equal(
            [("a", ">", 1.0), ("c", "<", 2.0), ("sum(d or e)", null, null)],
            PromQlParts.Conditions("a > 1 and b or on (job) c < 2 or ignoring(instance) sum(d or e)").Select(c => (c.Vector, c.Operator, c.Threshold)));
        Assert.Equal([("errors_total", ">", 0.0)], PromQlParts.Conditions("errors_total > 0").Select(c => (c.Vector, c.Operator, c.Threshold)));
    }

    [Trait(TestCategory.Name, TestCategory.RealServers)]
    [Fact]
    public async Task An_unknown_alert_is_a_clear_error_with_its_exit_code()
    {
        await using var prometheus = await PrometheusServer.StartNewAsync(PrometheusServer.SelfScrapeConfig.Replace("scrape_configs:", "rule_files: [alert_rules.yml]\nscrape_configs:", StringComparison.Ordinal),
            new Dictionary<string, string> { ["alert_rules.yml"] = File.ReadAllText(Repository.PathOf("monitoring/prometheus/alert_rules.yml")) });
        var (exit, output, error) = await ExplainAsync(prometheus.Url, Path.GetTempPath(), "BackendHighLatencyy", json: false);

        Assert.Equal(ExplainCommand.UnknownAlert, exit);
        Assert.Equal("", output);
        Assert.Contains("no alerting rule named 'BackendHighLatencyy'", error);
        Assert.Contains("Did you mean: BackendHighLatency?", error);

        var (down, _, downError) = await ExplainAsync($"http://127.0.0.1:{TheBot.Stack.Ports.GetFree()}", Path.GetTempPath(), "BackendHighLatency", json: false);
        Assert.Equal(ExplainCommand.PrometheusUnavailable, down);
        Assert.Contains("could not be asked", downError);
    }

    [Trait(TestCategory.Name, TestCategory.RealServers)]
    [Fact]
    public async Task Explain_PostgreSQLDown_shows_the_branch_that_holds_when_the_first_is_empty()
    {
        // The exporter's target answers nothing (a hung database makes the exporter's scrape time out the same way):
        // up{job="postgres"} is 0 and pg_up has no sample. explain used to show only the empty first branch.
        var config = PrometheusServer.SelfScrapeConfig.Replace("scrape_configs:", "rule_files: [alert_rules.yml]\nscrape_configs:", StringComparison.Ordinal)
            + $"\n  - job_name: postgres\n    static_configs:\n      - targets: ['127.0.0.1:{TheBot.Stack.Ports.GetFree()}']\n";
        await using var prometheus = await PrometheusServer.StartNewAsync(config,
            new Dictionary<string, string> { ["alert_rules.yml"] = File.ReadAllText(Repository.PathOf("monitoring/prometheus/alert_rules.yml")) });
        await TestHttp.WaitUntilAsync(async () => (await prometheus.QueryAsync("up{job=\"postgres\"} == 0")).GetArrayLength() > 0,
            TimeSpan.FromSeconds(30), () => "the dead postgres target was not scraped");

        var (exit, output, error) = await ExplainAsync(prometheus.Url, Path.GetTempPath(), "PostgreSQLDown", json: true);
        Assert.True(exit == ExplainCommand.Explained, $"exit {exit}: {error}");
        using var json = JsonDocument.Parse(output);
        var conditions = json.RootElement.GetProperty("conditions").EnumerateArray().ToList();
        Assert.Equal(["pg_up", "up{job=\"postgres\"}"], conditions.Select(c => c.GetProperty("vector").GetString()));
        Assert.Equal(0, conditions[0].GetProperty("drivers").GetArrayLength());
        var held = Assert.Single(conditions[1].GetProperty("drivers").EnumerateArray());
        Assert.Equal("postgres", held.GetProperty("labels").GetProperty("job").GetString());
        Assert.Equal(0, held.GetProperty("value").GetDouble());

        var (_, text, _) = await ExplainAsync(prometheus.Url, Path.GetTempPath(), "PostgreSQLDown", json: false);
        Assert.Contains("condition: pg_up == 0\n  now: no series (this branch's vector is empty)", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("or: up{job=\"postgres\"} == 0\n  now, top series:", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Trait(TestCategory.Name, TestCategory.RealServers)]
    [Fact]
    public async Task Explain_BackendHighLatency_names_the_slow_requests_and_their_log_lines()
    {
        var logs = Directory.CreateTempSubdirectory("thebot-explain-");
        try
        {
            var logFile = Path.Combine(logs.FullName, "services", "thebot-backend.log");
            Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
            var traces = new System.Collections.Concurrent.ConcurrentBag<string>();
            await using var app = await StartSlowServiceAsync(logFile, traces);
            var config = $$"""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: [recording_rules.yml, alert_rules.yml]
                scrape_configs:
                  - job_name: thebot-backend
                    metrics_path: /api/system/metrics/prometheus/
                    authorization: { type: Bearer, credentials: {{ScrapeToken}} }
                    static_configs: [{ targets: ['{{new Uri(app.Urls.First()).Authority}}'] }]
                """;
            var rules = new Dictionary<string, string>
            {
                ["recording_rules.yml"] = File.ReadAllText(Repository.PathOf("monitoring/prometheus/recording_rules.yml")),
                ["alert_rules.yml"] = File.ReadAllText(Repository.PathOf("monitoring/prometheus/alert_rules.yml")),
            };
            await using var classic = await PrometheusServer.StartNewAsync(config, rules);
            await using var native = await PrometheusServer.StartNewWithArgumentsAsync(config, ["--enable-feature=native-histograms"], rules);
            await classic.WaitForTargetUpAsync("thebot-backend");
            await native.WaitForTargetUpAsync("thebot-backend");

            // p95 over 1 s and at least 0.1 user requests per second over 5 minutes (30 requests): the alert's two conditions.
            // The endpoint's counter series is born with its first request, and rate() counts only increases between
            // samples: one request first, seen by both servers, so all 40 that follow count (0.133/s). Without it a
            // scrape that came late saw the series at 20, the rate touched 0.1 through extrapolation for a second and
            // then fell back under it, and the alert went inactive before explain asked (a CI run on a busy machine).
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
            (await client.GetAsync("/api/slow")).EnsureSuccessStatusCode();
            await BothAnswerAsync("thebot_http_requests_total{endpoint=\"/api/slow\"}", "the first /api/slow request was not scraped");

            for (var batch = 0; batch < 4; batch++)
            {
                await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ => (await client.GetAsync("/api/slow")).EnsureSuccessStatusCode()));
            }

            await BothAnswerAsync("ALERTS{alertname=\"BackendHighLatency\"}", "BackendHighLatency did not become pending");

            // Waits until the query returns a series on each server, classic and native.
            async Task BothAnswerAsync(string promql, string failure)
            {
                foreach (var prometheus in new[] { classic, native })
                {
                    await TestHttp.WaitUntilAsync(async () => (await prometheus.QueryAsync(promql)).GetArrayLength() > 0,
                        TimeSpan.FromSeconds(30), () => failure);
                }
            }

            // The native server really holds only native histograms, so explain found its exemplars under the family name.
            Assert.Equal(0, (await native.QueryAsync("thebot_http_request_duration_seconds_bucket")).GetArrayLength());
            Assert.True((await classic.QueryAsync("thebot_http_request_duration_seconds_bucket")).GetArrayLength() > 0);
            await ExplainsTheSlowRequestsAsync(classic.Url, logs.FullName, traces);
            await ExplainsTheSlowRequestsAsync(native.Url, logs.FullName, traces);
        }
        finally
        {
            // A failing run leaves nothing behind either (./thebot test counts a leftover as a failure).
            logs.Delete(recursive: true);
        }
    }

    private async Task ExplainsTheSlowRequestsAsync(string prometheusUrl, string logFolder, System.Collections.Concurrent.ConcurrentBag<string> traces)
    {
        var (exit, output, error) = await ExplainAsync(prometheusUrl, logFolder, "BackendHighLatency", json: true);
        Assert.True(exit == ExplainCommand.Explained, $"exit {exit}: {error}");
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("BackendHighLatency", root.GetProperty("alert").GetString());
        Assert.Contains(root.GetProperty("state").GetString(), new[] { "pending", "firing" });
        Assert.True(root.GetProperty("active")[0].GetProperty("value").GetDouble() > 1);
        // The rules' own matchers (user traffic only) and the alert's job, on both kinds of the family.
        Assert.Equal("thebot_http_request_duration_seconds_bucket{job=\"thebot-backend\",endpoint!~\"/api/system/.*\"} or thebot_http_request_duration_seconds{job=\"thebot-backend\",endpoint!~\"/api/system/.*\"}",
            root.GetProperty("histogram").GetString());
        Assert.Equal("/api/slow", root.GetProperty("histogram_drivers_p95")[0].GetProperty("labels").GetProperty("endpoint").GetString());

        var exemplars = root.GetProperty("exemplars").EnumerateArray().ToList();
        Assert.NotEmpty(exemplars);
        var stamps = exemplars.Select(e => e.GetProperty("timestamp").GetDateTimeOffset()).ToList();
        Assert.Equal(stamps.OrderByDescending(s => s), stamps);
        foreach (var exemplar in exemplars)
        {
            var traceId = exemplar.GetProperty("trace_id").GetString()!;
            Assert.Contains(traceId, traces);
            // Over the alert's 1 s threshold; not ">= 1.1": a 1,100 ms Task.Delay may end a little early by the clock
            // the middleware reads (seen once on a busy machine).
            Assert.True(exemplar.GetProperty("value").GetDouble() > 1.0, $"exemplar value {exemplar.GetProperty("value").GetDouble()}");
            Assert.True(exemplar.GetProperty("over_threshold").GetBoolean());
            var line = Assert.Single(exemplar.GetProperty("logs").EnumerateArray());
            Assert.Equal(traceId, line.GetProperty("line").GetProperty("trace_id").GetString());
            Assert.Equal("slow request served", line.GetProperty("line").GetProperty("message").GetString());
        }

        // The text form says the same for a person.
        var (textExit, text, _) = await ExplainAsync(prometheusUrl, logFolder, "BackendHighLatency", json: false);
        log.WriteLine(text);
        Assert.Equal(ExplainCommand.Explained, textExit);
        Assert.Contains($"trace_id={exemplars[0].GetProperty("trace_id").GetString()}", text);
        Assert.Contains("thebot-backend.log: {", text);
    }

    private static async Task<(int Exit, string Output, string Error)> ExplainAsync(string prometheusUrl, string logFolder, string alert, bool json)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await ExplainCommand.RunAsync(new PrometheusClient(prometheusUrl), logFolder, alert, json, output, error, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>
    /// A service with the library's two lines whose <c>/api/slow</c> takes 1.1 s and writes one JSON line with the
    /// request's trace id to the log file, as the platform's services do. Logging stays on (at Warning) because that
    /// is what makes ASP.NET Core start a request Activity.
    /// </summary>
    private static async Task<WebApplication> StartSlowServiceAsync(string logFile, System.Collections.Concurrent.ConcurrentBag<string> traces)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(new AlwaysEnabledProvider()).SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Monitoring:ScrapeToken"] = ScrapeToken,
            ["Monitoring:AdminToken"] = "explain-admin-token",
            ["Monitoring:ServiceName"] = "thebot-backend",
        });
        builder.AddTheBotMonitoring();
        var app = builder.Build();
        app.MapTheBotMonitoring();
        var gate = new object();
        app.MapGet("/api/slow", async () =>
        {
            await Task.Delay(1100);
            var activity = Activity.Current ?? throw new InvalidOperationException("no request Activity");
            var traceId = activity.TraceId.ToHexString();
            traces.Add(traceId);
            var line = JsonSerializer.Serialize(new { timestamp = DateTimeOffset.UtcNow, level = "info", message = "slow request served", trace_id = traceId, service = "thebot-backend" });
            lock (gate)
            {
                File.AppendAllText(logFile, line + "\n");
            }

            return "done";
        });
        await app.StartAsync();
        return app;
    }

    private static string Rule(string file, string kind, string name)
    {
        var text = File.ReadAllText(Repository.PathOf($"monitoring/prometheus/{file}"));
        var yaml = new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, List<Dictionary<string, object>>>>(text);
        return yaml["groups"].SelectMany(g => ((List<object>)g["rules"]).Cast<Dictionary<object, object>>())
            .Single(r => r.TryGetValue(kind, out var n) && (string)n == name)["expr"].ToString()!;
    }

    private static Dictionary<string, string> RecordingRules()
    {
        var text = File.ReadAllText(Repository.PathOf("monitoring/prometheus/recording_rules.yml"));
        var yaml = new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, List<Dictionary<string, object>>>>(text);
        return yaml["groups"].SelectMany(g => ((List<object>)g["rules"]).Cast<Dictionary<object, object>>())
            .Where(r => r.ContainsKey("record"))
            .GroupBy(r => (string)r["record"]).ToDictionary(g => g.Key, g => g.First()["expr"].ToString()!);
    }

    /// <summary>A logger that is enabled and discards everything: enough for ASP.NET Core to start request Activities.</summary>
    private sealed class AlwaysEnabledProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Discarding();

        public void Dispose()
        {
        }

        private sealed class Discarding : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
            }
        }
    }
}
