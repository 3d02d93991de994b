using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TheBot.Cli.Clients;
using TheBot.Cli.Commands;
using TheBot.Cli.Diagnostics.Doctor;
using TheBot.Cli.Inbox;
using TheBot.Cli.Load;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Stack.Components;
using TheBot.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TheBot.Cli.Tests;

/// <summary>
/// Issue 5 end to end: one real stack brought up by <c>up</c>, then every stack verb against it as a user runs them
/// — targets, rules, doctor (also as JSON, and on an empty state folder), test-alert (critical and warning),
/// status, load, backup (and a restore), cleanup (dry run first) — and finally <c>down</c>, which
/// must leave no process behind (an <c>up</c> refused on a busy port: <see cref="UpRefusalTests"/>).
/// In the collection of the other classes that start their own stack, so they run one after another: its load step
/// measures the platform's answers, and on 2 cores another stack's build and start beside it once turned 26 of 200
/// requests into 5xx.
/// </summary>
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
[Trait(TestCategory.Name, TestCategory.Stack)]
[Collection(TemporaryStack.Collection)]
public sealed class StackVerbTests(StackFixture stack, ITestOutputHelper output) : IClassFixture<StackFixture>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private static readonly string[] Jobs = ["thebot-backend", "thebot-frontend", "node", "postgres", "redis", "prometheus", "alertmanager"];

    private StackLocation Location => stack.Location;

    private PrometheusClient Prometheus => new(Location.Url(ServiceNames.Prometheus));

    [Fact, Step(Order = 1)]
    public async Task Up_brings_every_Prometheus_job_up()
    {
        Report.Line(output, $"up (build included) took {stack.UpTime.TotalSeconds:F1} s at --port-offset {Location.Ports.Offset}");
        Assert.Contains("✓ prometheus ready", stack.UpOutput, StringComparison.Ordinal);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(60), async () =>
        {
            var targets = (await Prometheus.GetAsync("/api/v1/targets?state=active")).GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .Select(t => (Job: t.GetProperty("labels").GetProperty("job").GetString()!, Health: t.GetProperty("health").GetString()!)).ToList();
            var notUp = Jobs.Where(j => !targets.Any(t => t.Job == j && t.Health == "up")).ToList();
            return notUp.Count == 0 ? null : $"jobs not up: {string.Join(", ", notUp)} (targets: {string.Join(", ", targets)})";
        });
    }

    [Fact, Step(Order = 2)]
    public async Task Every_rule_is_loaded_and_healthy()
    {
        var ruleFiles = Directory.GetFiles(Path.Combine(Location.RepositoryRoot, "monitoring", "prometheus"), "*rules*.yml");
        var committed = ruleFiles.Sum(f => File.ReadAllLines(f).Count(l => l.TrimStart().StartsWith("- alert:", StringComparison.Ordinal) || l.TrimStart().StartsWith("- record:", StringComparison.Ordinal)));
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(60), async () =>
        {
            var rules = (await Prometheus.GetAsync("/api/v1/rules")).GetProperty("data").GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
            var unhealthy = rules.Where(r => r.GetProperty("health").GetString() != "ok").Select(r => r.GetProperty("name").GetString()).ToList();
            return rules.Count == committed && unhealthy.Count == 0
                ? null
                : $"{rules.Count} rules loaded of {committed} in {string.Join(", ", ruleFiles.Select(Path.GetFileName))}; not ok: {string.Join(", ", unhealthy)}";
        });
    }

    [Fact, Step(Order = 3)]
    public async Task Doctor_is_all_green()
    {
        IReadOnlyList<DoctorResult> checks = [];
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(60), async () =>
        {
            checks = await DoctorCommand.RunAsync(Location, CancellationToken.None);
            var failing = checks.Where(c => !c.Ok).Select(c => $"✗ {c.Name}: {c.Detail}").ToList();
            return failing.Count == 0 ? null : string.Join("\n", failing);
        });
        Assert.True(checks.Count >= 20, $"only {checks.Count} checks");
        Assert.Contains(checks, c => c.Name.StartsWith("Watchdog firing", StringComparison.Ordinal));
        foreach (var seedEntry in checks.Where(c => c.Name.StartsWith("Prometheus memory", StringComparison.Ordinal) || c.Name.StartsWith("Prometheus queries fast", StringComparison.Ordinal)))
        {
            Report.Line(output, $"doctor ✓ {seedEntry.Name}: {seedEntry.Detail}");
        }

        Assert.Equal(2, checks.Count(c => c.Name.StartsWith("Prometheus memory", StringComparison.Ordinal) || c.Name.StartsWith("Prometheus queries fast", StringComparison.Ordinal)));

        // The same through the command line, as JSON: exit 0 and every check ok.
        var (exit, json) = await InvokeAsync(["doctor", "--json", .. StackFlags(Location.Paths.Root, Location.Ports.Offset)]);
        Assert.True(exit == 0, json);
        using var document = JsonDocument.Parse(json);
        var entries = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(checks.Count, entries.Count);
        Assert.All(entries, e => Assert.True(e.GetProperty("ok").GetBoolean(), e.ToString()));

        // On a state folder with no stack: non-zero, and every ✗ comes with a fix.
        var empty = Path.Combine(Path.GetTempPath(), "thebot-doctor-empty-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (failed, text) = await InvokeAsync(["doctor", .. StackFlags(empty, StackFixture.FreeOffset(Location.Ports.Offset))]);
            Assert.True(failed != 0, text);
            var lines = text.Split('\n');
            var crosses = lines.Select((l, i) => (Line: l, Index: i)).Where(l => l.Line.StartsWith("✗ ", StringComparison.Ordinal)).ToList();
            Assert.Contains(crosses, c => c.Line.Contains("prometheus running and ready", StringComparison.Ordinal));
            Assert.All(crosses, c => Assert.StartsWith("    fix: ", lines[c.Index + 1], StringComparison.Ordinal));
            Assert.Matches(@"\d+ ok, [1-9]\d* failing", text);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    /// <summary>
    /// The HTTP reads the runbooks give (<c>curl http://backend:8000/api/system/health/ | jq '.components.cache'</c>, …),
    /// sent to this stack: each answers 2xx and has the field its jq filter reads. A wrong path or a renamed JSON field in a
    /// runbook fails here, not during an incident.
    /// </summary>
    [Fact, Step(Order = 3)]
    public async Task The_runbooks_http_reads_answer_and_have_the_fields_they_read()
    {
        var running = new LocalStack(Location).Specs().Select(s => s.Name).ToHashSet();
        var requests = DocumentedRequests.All();
        var problems = new List<string>();
        var sent = 0;
        foreach (var request in requests.Where(r => running.Contains(r.Service)))
        {
            sent++;
            using var response = await Http.GetAsync(Location.Url(request.Service) + request.PathAndQuery);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                problems.Add($"{request.Origin}: GET {request.Service}{request.PathAndQuery} answered {(int)response.StatusCode}");
                continue;
            }

            if (request.JsonPath.Length > 0 && DocumentedRequests.At(JsonDocument.Parse(body).RootElement, request.JsonPath) is null)
            {
                problems.Add($"{request.Origin}: GET {request.Service}{request.PathAndQuery} has no .{string.Join('.', request.JsonPath)} in {(body.Length > 300 ? body[..300] + "…" : body)}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        // The runbooks hold a dozen such reads, the HA-only ones (VictoriaMetrics) aside: fewer means the extraction broke.
        Assert.True(sent >= 8, $"only {sent} of {requests.Count} documented reads were for services this stack runs");
        Report.Line(output, $"runbook HTTP reads: {sent} sent, all 2xx with their jq fields; {requests.Count - sent} for services only the HA stack runs");
    }

    [Fact, Step(Order = 4)]
    public Task Test_alert_critical_reaches_critical_team() => AssertTestAlertDeliveredAsync("critical", "critical-team", TimeSpan.FromSeconds(60));

    [Fact, Step(Order = 5)]
    public async Task Test_alert_warning_reaches_ops_team_and_status_shows_the_inbox()
    {
        // The ops route's group_wait is longer than the critical one's.
        await AssertTestAlertDeliveredAsync("warning", "ops-team", TimeSpan.FromSeconds(120));

        var (status, text) = await InvokeAsync(["status", .. StackFlags(Location.Paths.Root, Location.Ports.Offset)]);
        Assert.True(status == 0, text);
        foreach (var service in new LocalStack(Location).Specs().Select(s => s.Name))
        {
            Assert.Matches($@"(?m)^✓ up\s+{System.Text.RegularExpressions.Regex.Escape(service)}\s", text);
        }

        var count = NotificationInbox.Read(new LocalStack(Location).InboxDirectory).Count;
        Assert.True(count >= 2, $"inbox has {count} notification(s) after two test alerts");

        // The links in a notification point where this stack answers, not at the machine's host name.
        var heartbeats = NotificationInbox.Read(new LocalStack(Location).InboxDirectory).Where(n => (string?)n["receiver"] == "deadmans-switch").ToList();
        Assert.NotEmpty(heartbeats);
        Assert.All(heartbeats, n =>
        {
            Assert.Equal(Location.Url(ServiceNames.Alertmanager), (string?)n["payload"]!["externalURL"]);
            Assert.StartsWith(Location.Url(ServiceNames.Prometheus) + "/graph?", (string?)n["payload"]!["alerts"]![0]!["generatorURL"], StringComparison.Ordinal);
        });
        Assert.Contains($"inbox: {count} notification(s); last to ", text, StringComparison.Ordinal);
    }

    /// <summary>The backend log's last warnings and errors, so a failed run says why without the state folder.</summary>
    private string BackendWarnings()
    {
        var log = Location.Paths.LogFile(ServiceNames.Backend);
        var lines = File.Exists(log)
            ? File.ReadLines(log).Where(l => l.Contains("\"level\":\"warning\"", StringComparison.Ordinal) || l.Contains("\"level\":\"error\"", StringComparison.Ordinal)).TakeLast(15).ToList()
            : [];
        return $"\nlast warnings and errors of {log}:\n" + (lines.Count == 0 ? "(none)" : string.Join('\n', lines.Select(l => l.Length > 600 ? l[..600] + "…" : l)));
    }

    [Fact, Step(Order = 6)]
    public async Task Load_runs_at_the_requested_rate_and_the_backend_counts_it()
    {
        var before = await ScrapeRequestsAsync();
        var familiesBefore = await ScrapeSeriesAsync(ServiceNames.Backend);
        var frontendBefore = await ScrapeSeriesAsync(ServiceNames.Frontend);
        var (settings, errors) = LoadCommand.Settings(Location, "10s", 20, 0.05, seed: 42); // a fixed mix: every family below is in it
        Assert.Empty(errors);
        var printed = new StringWriter();
        var (exit, result) = await LoadCommand.RunAsync(Location, settings!, printed, CancellationToken.None);
        Report.Line(output, printed.ToString());
        Assert.True(exit == 0, printed + BackendWarnings());
        Assert.NotNull(result);
        await Task.Delay(500); // the counter is incremented as each response completes
        var after = await ScrapeRequestsAsync();

        Report.Line(output, $"load: requested 20/s, achieved {result.AchievedRps:F2}/s sent, {result.FinishedRps:F2}/s answered; {result.Samples.Count} requests, p95 {LoadStats.Percentile([.. result.Samples.Select(s => s.Milliseconds)], 95):F0} ms");
        Assert.Equal(200, result.Samples.Count);
        Assert.Equal(0, result.Unexpected);
        Assert.Equal(200L, result.Started);
        Assert.Equal(0L, result.Skipped);
        // Open loop: arrival i is due at i/20 s, so a generator that keeps up sends all 200 in 10 s. The floor allows
        // one second of lag on a shared two-core CI machine (stop 31 saw 10.5 s, 18.97/s, while other suites ran);
        // a generator that waited for answers or lost arrivals falls far below it.
        Assert.InRange(result.AchievedRps, 18, 20.5);
        Assert.Equal(8, result.Samples.Count(s => s.Kind == PlatformTraffic.ErrorKind)); // 5% of 200, spread evenly ...
        Assert.Equal(2, result.Samples.Count(s => s.Kind == PlatformTraffic.ExceptionKind)); // ... one in four an unhandled exception
        Assert.Contains("total ", printed.ToString(), StringComparison.Ordinal);
        Assert.Contains("p95 ms", printed.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s*\d+s/10s  rate ", printed.ToString()); // not a terminal: plain progress lines, no bar
        Assert.DoesNotContain("[#", printed.ToString(), StringComparison.Ordinal);

        // The backend counted every request that reached it, with the exact statuses the mix asked for.
        int Count(string kind) => result.Samples.Count(s => s.Kind == kind);
        Assert.Equal(Count("pay-failed"), Delta("502"));
        Assert.Equal(Count(PlatformTraffic.ExceptionKind), Delta("500"));
        Assert.Equal(Count("pay-declined"), Delta("402"));
        Assert.Equal(Count("submit-rejected"), Delta("422"));
        var reachedBackend = result.Samples.Count(s => s.Kind is not ("web-page" or "chat-ws")) + result.Setup.Count;
        var total = after.Values.Sum() - before.Values.Sum();
        Assert.InRange(total, reachedBackend, reachedBackend + Count("chat-ws") + 100);

        // Every seed family the dashboards show grew (WebSocket connections is a gauge: its sessions are the 101s).
        var familiesAfter = await ScrapeSeriesAsync(ServiceNames.Backend);
        var frontendAfter = await ScrapeSeriesAsync(ServiceNames.Frontend);
        double Grew(Dictionary<string, double> from, Dictionary<string, double> to, string prefix) =>
            to.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(s => s.Value) - from.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(s => s.Value);
        var families = new[]
        {
            "thebot_http_requests_total{method=\"GET\",endpoint=\"/api/users/{id}\",status=\"404\"}",
            "thebot_http_request_duration_seconds_count",
            "thebot_db_queries_total",
            "thebot_db_query_duration_seconds_count",
            "thebot_cache_hits_total",
            "thebot_cache_misses_total",
            "thebot_messages_sent_total{chat_type=\"group\"}",
            "thebot_messages_sent_total{chat_type=\"private\"}",
            "thebot_assignments_submitted_total{status=\"accepted\"}",
            "thebot_assignments_submitted_total{status=\"late\"}",
            "thebot_assignments_submitted_total{status=\"rejected\"}",
            "thebot_payments_processed_total{status=\"succeeded\"",
            "thebot_payments_processed_total{status=\"declined\"",
            "thebot_payments_processed_total{status=\"failed\"",
            "thebot_http_requests_total{method=\"GET\",endpoint=\"/ws/chat/{room}\"",
            "thebot_background_tasks_total",
            "thebot_background_task_duration_seconds_count",
            "thebot_http_request_exceptions_total{exception_type=\"DrillException\"}",
        };
        var flat = families.Where(f => Grew(familiesBefore, familiesAfter, f) <= 0).ToList();
        Assert.True(flat.Count == 0, "families that did not grow under load: " + string.Join(", ", flat));
        Assert.Equal(Count(PlatformTraffic.ExceptionKind), Grew(familiesBefore, familiesAfter, "thebot_http_request_exceptions_total{exception_type=\"DrillException\"}"));
        Assert.True(Grew(frontendBefore, frontendAfter, "thebot_http_requests_total{method=\"GET\",endpoint=\"/api/courses/{id}\",status=\"404\"}") == Count("web-miss"), "frontend 4xx by route");
        Assert.Equal(0, Grew(frontendBefore, frontendAfter, "thebot_http_requests_total{method=\"GET\",endpoint=\"/api/{**rest}\""));
        Report.Line(output, $"load families: {string.Join(", ", families.Select(f => $"{f} +{Grew(familiesBefore, familiesAfter, f)}"))}");

        double Delta(string status) => after.GetValueOrDefault(status) - before.GetValueOrDefault(status);
    }

    [Fact, Step(Order = 7)]
    public async Task Backup_can_be_restored_into_another_Prometheus()
    {
        var backups = Path.Combine(Location.Paths.Root, "backups");
        var takenAt = DateTimeOffset.UtcNow;
        var run = await BackupCommand.RunAsync(Location, backups, CancellationToken.None);
        var backup = Assert.Single(run.Replicas);
        Assert.True(backup.Verified, backup.Reason);
        Assert.Equal(run.Folder, backup.Folder); // single-node: the dated folder is the copy itself, as the restore steps say
        Assert.True(Directory.Exists(backup.Folder));
        Assert.True(backup.Bytes > 0);
        Assert.True(backup.Blocks > 0 && backup.Samples > 0, $"{backup.Blocks} block(s), {backup.Samples} samples");

        // Restore = start a Prometheus on a copy of the backup folder, and read what the original had before the backup.
        var restore = StackPaths.CreateTemporary("thebot-restore-");
        try
        {
            Copy(backup.Folder!, restore.Data(ServiceNames.Prometheus));
            var config = Path.Combine(restore.Root, "prometheus.yml");
            await File.WriteAllTextAsync(config, "global:\n  scrape_interval: 1h\nscrape_configs: []\n");
            var restored = new Prometheus(restore, Ports.GetFree(), config);
            await using var supervisor = new ProcessSupervisor(restore);
            await supervisor.StartAsync([restored.Spec]);
            var client = new PrometheusClient(restored.Url);
            var at = takenAt.ToUnixTimeMilliseconds() / 1000.0;
            var result = (await client.GetAsync(FormattableString.Invariant($"/api/v1/query?query={Uri.EscapeDataString("max_over_time(up{job=\"thebot-backend\"}[10m])")}&time={at:F3}")))
                .GetProperty("data").GetProperty("result");
            Assert.Equal(1, result.GetArrayLength());
            Assert.Equal("1", result[0].GetProperty("value")[1].GetString());
            var loadSeries = (await client.GetAsync(FormattableString.Invariant($"/api/v1/query?query={Uri.EscapeDataString("count(thebot_payments_processed_total)")}&time={at:F3}")))
                .GetProperty("data").GetProperty("result");
            Assert.Equal(1, loadSeries.GetArrayLength());
            Report.Line(output, $"backup {backup.Folder}: {backup.Blocks} block(s), {backup.Bytes / 1024} KiB; restored Prometheus answers up{{job=\"thebot-backend\"}} and {loadSeries[0].GetProperty("value")[1].GetString()} payment series");
        }
        finally
        {
            Directory.Delete(restore.Root, recursive: true);
        }
    }

    [Fact, Step(Order = 8)]
    public async Task Cleanup_leaves_no_series_with_samples()
    {
        const string selector = "up{job=\"node\"}";
        // Whole seconds, like the command's own cut-off: a sample stamped between the two would otherwise be counted
        // here although the command was right to keep it.
        var before = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var present = await Prometheus.CountSeriesWithSamplesAsync(selector, before);
        Assert.True(present > 0, "nothing to delete: the node job was never scraped");

        // A dry run reports the count and deletes nothing.
        var dry = new StringWriter();
        Assert.Equal(0, await CleanupCommand.RunAsync(Location, [selector], TimeSpan.Zero, dryRun: true, dry, CancellationToken.None));
        Assert.Contains($"dry run: {present} series have samples older than", dry.ToString(), StringComparison.Ordinal);
        Assert.Equal(present, await Prometheus.CountSeriesWithSamplesAsync(selector, before));

        var printed = new StringWriter();
        var exit = await CleanupCommand.RunAsync(Location, [selector], TimeSpan.Zero, dryRun: false, printed, CancellationToken.None);
        Assert.True(exit == 0, printed.ToString());
        Assert.Equal(0, await Prometheus.CountSeriesWithSamplesAsync(selector, before));
        Assert.Contains("0 matching series left", printed.ToString(), StringComparison.Ordinal);
    }

    [Fact, Step(Order = 9)]
    public async Task Down_leaves_no_process_behind()
    {
        var records = ProcessSupervisor.ReadPidFiles(Location.Paths);
        Assert.Equal(new LocalStack(Location).Specs().Select(s => s.Name).Order(), records.Select(r => r.Name).Order());
        Assert.All(records, r => Assert.True(r.IsRunning, $"{r.Name} (pid {r.Pid}) is not running before down"));
        var processes = records.SelectMany(r => ProcessTree.Snapshot(r.Identity)).Distinct().ToList();
        Assert.True(processes.Count > records.Count, "PostgreSQL alone runs several processes; the snapshot missed the trees");

        var exit = await new RootCommand { DownCommand.Create() }.Parse(
            ["down", "--state-dir", Location.Paths.Root, "--port-offset", Location.Ports.Offset.ToString(CultureInfo.InvariantCulture)]).InvokeAsync();

        Assert.Equal(0, exit);
        var alive = processes.Where(ProcessTree.IsAlive).Select(p => $"{p.Pid} {ProcessTree.CommandLine(p.Pid)}").ToList();
        Assert.True(alive.Count == 0, "still alive after down: " + string.Join("; ", alive));
        Assert.Empty(ProcessSupervisor.ReadPidFiles(Location.Paths));
        Assert.All(Location.Ports.All.Values.Append(Location.InboxPort), p => Assert.True(Ports.IsFree(p), $"port {p} still taken"));
        Report.Line(output, $"down stopped {records.Count} services, {processes.Count} processes, none left");
    }

    private async Task AssertTestAlertDeliveredAsync(string severity, string receiver, TimeSpan timeout)
    {
        var printed = new StringWriter();
        var exit = await TestAlertCommand.RunAsync(Location, severity, timeout, printed, CancellationToken.None);
        Assert.True(exit == 0, printed.ToString());
        Assert.Contains($"the route picks {receiver}", printed.ToString(), StringComparison.Ordinal);
        Assert.Contains($"✓ delivered to {receiver}", printed.ToString(), StringComparison.Ordinal);
        var inbox = NotificationInbox.Read(new LocalStack(Location).InboxDirectory);
        Assert.Contains(inbox, n => n["receiver"]?.GetValue<string>() == receiver);
    }

    private static string[] StackFlags(string stateDir, int offset) =>
        ["--state-dir", stateDir, "--port-offset", offset.ToString(CultureInfo.InvariantCulture)];

    /// <summary>
    /// Runs a verb through the real command-line parser and returns its exit code and what it printed. Verbs that
    /// write to the console directly are captured too (the stack tests run one at a time; others may add lines).
    /// </summary>
    private static Task<(int Exit, string Output)> InvokeAsync(params string[] args) => VerbInvoker.InvokeAsync(args);

    /// <summary>Every series of a service's exposition (name and labels as written → value), scraped with the stack's token.</summary>
    private async Task<Dictionary<string, double>> ScrapeSeriesAsync(string service)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Location.Url(service) + "/api/system/metrics/prometheus/");
        request.Headers.Authorization = new("Bearer", new LocalStack(Location).ScrapeToken);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return ExpositionSamples.Read(await response.Content.ReadAsStringAsync())
            .Where(sample => sample.Name.StartsWith("thebot_", StringComparison.Ordinal))
            .ToDictionary(sample => sample.Series, sample => sample.Value);
    }

    /// <summary>The backend's own <c>thebot_http_requests_total</c>, summed per status, scraped with the stack's token.</summary>
    private async Task<Dictionary<string, double>> ScrapeRequestsAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Location.Url(ServiceNames.Backend) + "/api/system/metrics/prometheus/");
        request.Headers.Authorization = new("Bearer", new LocalStack(Location).ScrapeToken);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var totals = new Dictionary<string, double>();
        foreach (var sample in ExpositionSamples.Read(await response.Content.ReadAsStringAsync()).Where(s => s.Name == "thebot_http_requests_total"))
        {
            var status = sample.Label("status")!;
            totals[status] = totals.GetValueOrDefault(status) + sample.Value;
        }

        return totals;
    }

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
