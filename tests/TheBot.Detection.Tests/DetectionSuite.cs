using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TheBot.Cli.Checks;
using TheBot.Cli.Config;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using TheBot.Testing.Sinks;
using Xunit;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace TheBot.Detection.Tests;

/// <summary>
/// Issue 6: every alert proven end to end on the real stack in the time-compressed profile. Each scenario injects a
/// real fault, waits for the notification on every receiver kind its route has (Slack, PagerDuty, SMTP, webhook),
/// checks receiver, labels, summary and runbook link, removes the fault and waits for the RESOLVED notification.
/// A clean soak first proves nothing but Watchdog fires and every dashboard query returns data. The suite writes
/// docs/detection.md and fails at the end if anything was missing.
/// </summary>
[Collection(DetectionCollection.Name)]
[Trait(TestCategory.Name, TestCategory.Stack)]
public sealed class DetectionSuite(ITestOutputHelper output)
{
    /// <summary>Every production waiting time is divided by this (15 s scrape → 1 s).</summary>
    public const double Factor = 15;

    /// <summary>
    /// Thresholds this machine cannot reach safely, lowered through the transform (reported in docs/detection.md): 95%
    /// of 24 GB in use would leave the stack under test about 1 GB, with no swap. HighMemoryUsage keeps its 80%.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, double> Lowered = new Dictionary<string, double>
    {
        ["CriticalMemoryUsage"] = 87,
    };

    /// <summary>Memory held for HighMemoryUsage (above 80, below the lowered 87) and then for CriticalMemoryUsage.</summary>
    private const double HighMemoryTarget = 83.5;

    private const double CriticalMemoryTarget = 90;

    /// <summary>A healthy stack sets up a load run (about 25 requests, one after another) in about a second.</summary>
    private static readonly TimeSpan TrafficSetUpLimit = TimeSpan.FromSeconds(60);

    /// <summary>What this suite does not prove yet (kept in the generated report).</summary>
    private const string NotCovered = """
        ### Not covered yet

        - **CriticalMemoryUsage at its production 95%**: lowered to 87% (above), because 95% of this machine's RAM would
          leave the stack under test about 1 GB with no swap. HighMemoryUsage is proven at its production 80%.
        - **HighCPUUsage, HighDiskIO and BackendSlowQueries keep their production thresholds**, so their time to notify is
          dominated by filling the unscaled 5-minute window (minutes, not the floor's seconds) and they resolve only once
          the fault has left that window.
        - **SMTP AUTH mechanisms**: only what Alertmanager picks (PLAIN after STARTTLS) is exercised.
        - Alerts of the production set whose fault needs more than one machine or days of data (replication lag,
          disk filling within 24 h, SLO burn over 1 d/3 d, Prometheus/Alertmanager self-failures) are not injected;
          their logic is covered by the promtool unit tests in monitoring/prometheus/tests.
        - FrontendServiceDown and the Redis-side alerts other than RedisDown are not injected (same mechanism as
          BackendServiceDown / RedisDown).
        - **Loki panels** (thebot-logs) are not queried: Loki is not installable on this machine. Their LogQL is checked
          only for syntax and labels by the config tests.
        """;

    private readonly List<Outcome> _outcomes = [];
    private readonly DetectionJournal _journal = new(output);
    private readonly Lock _gate = new();

    private sealed record Outcome(string Alert, string Fault, bool Fired, string Receiver, string Kinds, TimeSpan? TimeToNotify, TimeSpan Floor, string Resolved);

    [Fact]
    public async Task Every_alert_fires_on_its_real_fault_reaches_its_receivers_and_resolves()
    {
        var rules = AlertCatalog.ProductionAlerts;
        var starting = DateTimeOffset.UtcNow;
        await using var stack = await DetectionStack.StartAsync(Factor, Lowered, CancellationToken.None);
        Say($"stack up in {_journal.Clock.Elapsed.TotalSeconds:F0} s (interval {stack.Interval.TotalMilliseconds} ms)");
        try
        {
            await WatchdogAsync(stack, starting);
            await SoakAsync(stack);
            // Three outages of different services, side by side: no inhibition rule links them, each alert has its own
            // Alertmanager group (group_by alertname), and each scenario judges only its own alert's notifications.
            await Task.WhenAll(
                ScenarioAsync(stack, rules, "BackendServiceDown", "backend process killed (SIGKILL of its tree)",
                    () => stack.StopServiceAsync(ServiceNames.Backend, kill: true),
                    () => stack.StartServiceAsync(ServiceNames.Backend)),
                ScenarioAsync(stack, rules, "RedisDown", "Redis stopped (its stop signal)",
                    () => stack.StopServiceAsync(ServiceNames.Redis, kill: false),
                    () => stack.StartServiceAsync(ServiceNames.Redis)),
                LongRunningQueryAsync(stack, rules));
            // The backend's latency and error-rate scenarios run within the host-stress block, once its slow-query
            // fault is removed: that alert's 5-minute window then takes minutes to drain, and neither scenario's
            // alert reads slow queries.
            await HostStressAndSlowQueriesAsync(stack, rules);

            // Last: once PostgreSQL is back, BackendHighErrorRate still fires until its 5-minute window drains (held back by
            // DatabaseOutageRecent, so not delivered), which would overlap a later scenario of the same alert.
            await PostgresDownWithInhibitionAsync(stack, rules);
        }
        catch (Exception e)
        {
            Problem($"suite aborted: {e.GetType().Name}: {e.Message}");
            Say(e.ToString());
        }
        finally
        {
            var other = stack.Log.All.Where(n => !n.Valid).Select(n => $"{n.Kind} {n.AlertName}: {string.Join("; ", n.Problems)}").Distinct().ToList();
            other.ForEach(o => Problem("invalid payload: " + o));
            WriteReport(stack);
        }

        Assert.True(_journal.Problems.Count == 0, "detection problems:\n" + string.Join("\n", _journal.Problems));
    }

    // ------------------------------------------------------------------ scenarios

    private async Task WatchdogAsync(DetectionStack stack, DateTimeOffset since)
    {
        var route = AlertCatalog.RouteFor("Watchdog");
        var got = await AlertChecks.WaitAllAsync(stack, "Watchdog", "firing", since, route, stack.Timing.ToNotify("Watchdog"));
        Check("Watchdog", got);
        var first = got.Values.Where(n => n is not null).Select(n => n!.ReceivedAt).DefaultIfEmpty(DateTimeOffset.UtcNow).Min();
        var again = await stack.Log.WaitForAsync(n => n.AlertName == "Watchdog" && n.ReceivedAt > first + TimeSpan.FromSeconds(1), stack.Timing.ToRepeat("Watchdog"));
        Record(new Outcome("Watchdog", "none: always fires; arrives at the dead man's switch and repeats", got.Values.All(n => n is not null),
            route.Receiver, AlertChecks.Kinds(got), got.Values.All(n => n is not null) ? first - since : null, stack.Timing.Floor("Watchdog"),
            again is null ? "no repeat seen" : $"n/a (send_resolved false); repeated after {(again.ReceivedAt - first).TotalSeconds:F1} s"));
        if (again is null)
        {
            Problem("Watchdog was not repeated to the dead man's switch (repeat_interval)");
        }
    }

    private async Task SoakAsync(DetectionStack stack)
    {
        // Building and starting the stack keeps this 2-core machine busy, and the CPU/IO alerts average over 5
        // unscaled minutes: wait (bounded by the drain of what is active) until nothing but Watchdog is pending, so
        // the soak judges a settled stack. An alert that is wrong at rest never settles, times the wait out, and fails
        // the soak below.
        var (waited, atStart, _) = await AlertChecks.SettleAsync(stack, a => a != "Watchdog");
        Note($"Before the soak: {(atStart.Count == 0 ? "nothing but Watchdog was pending" : $"{string.Join(", ", atStart)} pending or firing from the stack's own build and start")}; settled after {waited.TotalSeconds:F0} s.");
        var since = DateTimeOffset.UtcNow;
        var load = stack.LoadAsync(TimeSpan.FromSeconds(45), 20, 0);
        await Task.Delay(TimeSpan.FromSeconds(30));
        var dashboards = await DashboardQueriesAsync(stack);
        var result = await load;
        var firing = (await stack.PrometheusAlertsAsync("firing")).Where(a => a != "Watchdog").Distinct().ToList();
        var pending = (await stack.PrometheusAlertsAsync("pending")).Where(a => a != "Watchdog").Distinct().ToList();
        // A resolved notice for an alert raised while the stack was starting is not a false alarm; a new firing one is.
        var noise = stack.Log.All.Where(n => n.ReceivedAt >= since && n.AlertName != "Watchdog" && n.Status == "firing")
            .Select(n => $"{n.AlertName} ({n.Kind})").Distinct().ToList();
        var slow = result.Samples.Count(s => s.Milliseconds > 1000);
        Note($"Soak: 45 s (≈ {45 * Factor / 60:F0} production minutes) of platform traffic at 20 req/s ({result.Samples.Count} requests, {result.ServerErrors} 5xx, " +
             $"{slow} slower than 1 s, slowest {result.Samples.Select(s => s.Milliseconds).DefaultIfEmpty(0).Max():F0} ms); " +
             $"alerts firing other than Watchdog: {(firing.Count == 0 ? "none" : string.Join(", ", firing))}; notifications other than Watchdog: {(noise.Count == 0 ? "none" : string.Join(", ", noise))}; " +
             $"pending (not firing): {(pending.Count == 0 ? "none" : string.Join(", ", pending))}" +
             (pending.Count > 0 && pending.All(a => a.StartsWith("BackendErrorBudgetBurn", StringComparison.Ordinal))
                 ? " (the SLO burn-rate windows, up to 3 days, hold the stack's whole short life, so a few slow requests of its cold start can put them above the budget until later traffic dilutes them)."
                 : "."));
        if (firing.Count > 0 || noise.Count > 0)
        {
            Problem($"clean soak was not quiet: alerts {string.Join(", ", firing)}; notifications {string.Join(", ", noise)}");
        }

        Note(dashboards);
    }

    private async Task LongRunningQueryAsync(DetectionStack stack, IReadOnlyDictionary<string, YamlMappingNode> rules)
    {
        // The running stack's server, with the password up saved in its state folder.
        var postgres = new TheBot.Stack.Components.PostgreSql(stack.Paths, stack.Location.Ports[ServiceNames.PostgreSql],
            new StackSecrets(stack.Paths).Get(SecretNames.PostgresPassword));
        Task? query = null;
        await ScenarioAsync(stack, rules, "LongRunningQueries", "a real `SELECT pg_sleep(60)` through psql",
            () =>
            {
                query = postgres.PsqlAsync("SELECT pg_sleep(60) /* detection */").ContinueWith(t => t.Exception, TaskScheduler.Default);
                return Task.CompletedTask;
            },
            async () =>
            {
                await postgres.PsqlAsync("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60) /* detection */%'");
                await query!;
            },
            // The query must run past the rule's threshold (seconds) before the expression can be true at all.
            ramp: TimeSpan.FromSeconds(Threshold(rules["LongRunningQueries"])));
    }

    /// <summary>
    /// BackendHighLatency, then BackendHighErrorRate: both on the backend's 5-minute request windows, one after the other
    /// (the latency fault's slow requests must not count in the error ratio's scenario, nor the reverse).
    /// </summary>
    private async Task BackendLatencyAndErrorsAsync(DetectionStack stack, IReadOnlyDictionary<string, YamlMappingNode> rules)
    {
        await ScenarioAsync(stack, rules, "BackendHighLatency", "fault switch: +1500 ms on every /api request, 10 req/s of platform traffic",
            () => stack.SetFaultsAsync(1500, 0),
            () => stack.ClearFaultsAsync(),
            // One long run: a run's setup (about 25 requests, one after another) is not slowed before the fault, and a
            // new run under +1.5 s per request would spend ~40 s on setup instead of sending its 10 req/s.
            during: (ct, setUp) => stack.LoadLoopAsync(10, 0, ct, chunk: TimeSpan.FromMinutes(10), setUp: setUp),
            afterRemove: ct => stack.LoadLoopAsync(250, 0, ct));

        // The fault is the traffic itself: it starts with the fault and the fault's removal ends it. Not faster: at
        // 80 req/s it notified in 73 s instead of 116 s, but HighCPUUsage beside it then took 120 s instead of 80 s
        // to resolve and this scenario's own resolution doubled, so the block ended no sooner (2026-12-04).
        Task? faulty = null;
        using var faultyStop = new CancellationTokenSource();
        await ScenarioAsync(stack, rules, "BackendHighErrorRate", "platform traffic 40 req/s with 30% real 5xx (payment provider failures)",
            async () =>
            {
                var setUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                faulty = stack.LoadLoopAsync(40, 0.3, faultyStop.Token, chunk: TimeSpan.FromMinutes(10), setUp: () => setUp.TrySetResult());
                await TrafficSetUpAsync("BackendHighErrorRate", setUp.Task, faulty);
            },
            async () =>
            {
                await faultyStop.CancelAsync();
                await (faulty ?? Task.CompletedTask);
            },
            afterRemove: ct => stack.LoadLoopAsync(250, 0, ct));
    }

    private async Task PostgresDownWithInhibitionAsync(DetectionStack stack, IReadOnlyDictionary<string, YamlMappingNode> rules)
    {
        // 60 req/s: the previous scenario's clean dilution fills the 5-minute window, and the outage's 5xx share must
        // cross 5% while PostgreSQL is still down for the inhibition to be observable.
        await ScenarioAsync(stack, rules, "PostgreSQLDown", "PostgreSQL stopped (fast shutdown) under 60 req/s of platform traffic",
            () => stack.StopServiceAsync(ServiceNames.PostgreSql, kill: false),
            () => stack.StartServiceAsync(ServiceNames.PostgreSql),
            // One long run, set up before the outage: a run's setup fails while PostgreSQL is down, so short runs
            // would send set-up attempts instead of the 60 req/s.
            during: (ct, setUp) => stack.LoadLoopAsync(60, 0, ct, chunk: TimeSpan.FromMinutes(10), setUp: setUp),
            afterRemove: ct => stack.LoadLoopAsync(250, 0, ct),
            // The backend answers 503 while its database is down: BackendHighErrorRate fires in Prometheus but the
            // PostgreSQLDown inhibition must keep it from every receiver.
            whileFiring: since => InhibitionAsync(stack, "BackendHighErrorRate", "PostgreSQLDown", since,
                "5xx while PostgreSQL is down: fires in Prometheus, must be inhibited by PostgreSQLDown"));
    }

    private async Task MemoryAsync(DetectionStack stack, IReadOnlyDictionary<string, YamlMappingNode> rules)
    {
        await using var memory = new MemoryPressure();
        Note($"Memory scenarios: {MemoryPressure.UsedPercent():F1}% of RAM in use before them; a tmpfs file then held the machine at {HighMemoryTarget}% and {CriticalMemoryTarget}%.");
        await ScenarioAsync(stack, rules, "HighMemoryUsage", $"a tmpfs file holds memory until {HighMemoryTarget}% of RAM is in use (production threshold 80%; the time to notify includes filling it, about 1-2 min on this VM)",
            Hold(HighMemoryTarget),
            Hold(null),
            // While it fires, the critical level: CriticalMemoryUsage must fire and inhibit HighMemoryUsage, then resolve
            // back to the warning level.
            whileFiring: _ => ScenarioAsync(stack, rules, "CriticalMemoryUsage", $"the same file grown until {CriticalMemoryTarget}% of RAM is in use (threshold lowered 95% → {Lowered["CriticalMemoryUsage"]}%)",
                Hold(CriticalMemoryTarget),
                Hold(HighMemoryTarget),
                whileFiring: _ => InhibitionAsync(stack, "HighMemoryUsage", "CriticalMemoryUsage", DateTimeOffset.UtcNow,
                    $"memory at {CriticalMemoryTarget}%: HighMemoryUsage still fires in Prometheus, must be inhibited by CriticalMemoryUsage")));

        // Memory touched for the first time is slow to hand out on this VM (about 200-650 MB/s, each page is faulted
        // in by the hypervisor), so filling to 80% takes up to a couple of minutes.
        Func<Task> Hold(double? percent) => async () =>
        {
            memory.Target = percent;
            await memory.SettleAsync(TimeSpan.FromMinutes(4));
        };
    }

    /// <summary>
    /// The three alerts on 5-minute windows, side by side: each needs minutes of fault to fill its window and minutes
    /// without it to drain, so in sequence they would take three times as long. Each fault is removed as soon as its
    /// own alert has been notified. The memory scenarios (about a minute and a quarter) run within them: no inhibition
    /// rule links memory to CPU, disk or queries, and each alert has its own group. The backend's latency and error-rate
    /// scenarios start once the slow-query fault is removed (they share its fault switch), while its window drains.
    /// </summary>
    private async Task HostStressAndSlowQueriesAsync(DetectionStack stack, IReadOnlyDictionary<string, YamlMappingNode> rules)
    {
        var cpu = new List<StressProcess>();
        StressProcess? disk = null;
        var slowQueriesRemoved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            var slowQueries = ScenarioAsync(stack, rules, "BackendSlowQueries", "fault switch: a real `pg_sleep(0.6)` through the backend's data source on every /api request, 40 req/s of platform traffic (production threshold 10/s)",
                () => stack.SetFaultsAsync(0, 0, slowQueryMilliseconds: 600),
                async () =>
                {
                    await stack.ClearFaultsAsync();
                    slowQueriesRemoved.TrySetResult();
                },
                during: (ct, setUp) => stack.LoadLoopAsync(40, 0, ct, chunk: TimeSpan.FromMinutes(10), setUp: setUp));
            await Task.WhenAll(
                slowQueries,
                BackendAfterAsync(),
                MemoryAsync(stack, rules),
                ScenarioAsync(stack, rules, "HighCPUUsage", $"{Environment.ProcessorCount} busy shell loops at nice 19, one per CPU (production threshold 80%)",
                    () =>
                    {
                        cpu.AddRange(StressProcess.BusyCpus());
                        return Task.CompletedTask;
                    },
                    async () =>
                    {
                        foreach (var process in cpu)
                        {
                            await process.DisposeAsync();
                        }
                    }),
                ScenarioAsync(stack, rules, "HighDiskIO", "`dd` reading a 64 MiB file in 4 KiB O_DIRECT reads, in a loop (production threshold 1000 ops/s)",
                    async () => disk = await StressProcess.DirectReadsAsync(stack.Paths.Root),
                    async () => await disk!.DisposeAsync()));

            async Task BackendAfterAsync()
            {
                // Also when the slow-query scenario ends without removing its fault (it failed): the switch is then
                // cleared by the latency scenario's own removal at the latest.
                await Task.WhenAny(slowQueriesRemoved.Task, slowQueries);
                await BackendLatencyAndErrorsAsync(stack, rules);
            }
        }
        finally
        {
            foreach (var process in cpu)
            {
                await process.DisposeAsync();
            }

            if (disk is not null)
            {
                await disk.DisposeAsync();
            }
        }
    }

    /// <summary>Checks that <paramref name="target"/> fires in Prometheus but reaches no receiver while <paramref name="source"/> fires (<see cref="AlertChecks.InhibitionAsync"/>).</summary>
    private async Task InhibitionAsync(DetectionStack stack, string target, string source, DateTimeOffset since, string fault)
    {
        var (suppressed, outcome, problem) = await AlertChecks.InhibitionAsync(stack, target, source, since);
        if (problem is not null)
        {
            Problem(problem);
        }

        Record(new Outcome($"{target} (inhibited)", fault, suppressed, "none (inhibited)", "—", null, TimeSpan.Zero, outcome));
    }

    /// <summary>
    /// Injects a fault, waits for the firing notification on every delivery of the alert's route, removes the fault
    /// and waits for the resolved notification on every delivery that sends resolved ones.
    /// </summary>
    private async Task ScenarioAsync(DetectionStack stack, IReadOnlyDictionary<string, YamlMappingNode> rules, string alert, string fault,
        Func<Task> inject, Func<Task> remove, Func<CancellationToken, Action, Task>? during = null, Func<CancellationToken, Task>? afterRemove = null,
        Func<DateTimeOffset, Task>? whileFiring = null, TimeSpan ramp = default)
    {
        await SettleAsync(stack, alert);
        _ = rules[alert];
        var route = AlertCatalog.RouteFor(alert);
        var floor = stack.Timing.Floor(alert);
        // The traffic under the fault starts first and the fault once the traffic's own setup is done: set up under
        // the fault (+1.5 s per request, or a database that is down) it would hold back the traffic the fault acts on.
        using var duringStop = new CancellationTokenSource();
        var setUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var duringTask = during?.Invoke(duringStop.Token, () => setUp.TrySetResult()) ?? Task.CompletedTask;
        if (during is not null)
        {
            await TrafficSetUpAsync(alert, setUp.Task, duringTask);
        }

        Say($"{alert}: injecting");
        var injectedAt = DateTimeOffset.UtcNow;
        await inject();
        // Every wait is derived from the alert (DetectionTiming): a windowed alert may need its whole window to fill
        // with the fault, and to drain of it before it resolves.
        var fired = await AlertChecks.WaitAllAsync(stack, alert, "firing", injectedAt, route, stack.Timing.ToNotify(alert, ramp: ramp));
        var firedAll = fired.Values.All(n => n is not null);
        var firstFiring = fired.Values.Where(n => n is not null).Select(n => n!.ReceivedAt).DefaultIfEmpty(DateTimeOffset.MinValue).Min();
        Say(firedAll
            ? $"{alert}: fired after {(firstFiring - injectedAt).TotalSeconds:F1} s (floor {floor.TotalSeconds:F1} s)"
            : $"{alert}: not notified on every receiver within {stack.Timing.ToNotify(alert, ramp: ramp).TotalSeconds:F1} s (floor {floor.TotalSeconds:F1} s); trace:\n{await stack.TraceAlertAsync(alert, injectedAt)}");
        Check(alert, fired);
        if (whileFiring is not null)
        {
            await whileFiring(injectedAt);
        }

        // The fault goes before the traffic under it has stopped: a load run still in flight would otherwise finish
        // under the fault first.
        await duringStop.CancelAsync();
        var removedAt = DateTimeOffset.UtcNow;
        await remove();
        using var afterStop = new CancellationTokenSource();
        var afterTask = afterRemove?.Invoke(afterStop.Token) ?? Task.CompletedTask;
        await duringTask;
        var resolved = await AlertChecks.WaitAllAsync(stack, alert, "resolved", removedAt, route, stack.Timing.ToResolve(alert));
        await afterStop.CancelAsync();
        await afterTask;
        var resolvedAll = resolved.Values.All(n => n is not null);
        if (!firedAll)
        {
            Problem($"{alert}: no firing notification on {string.Join(", ", fired.Where(p => p.Value is null).Select(p => p.Key))}");
        }

        if (!resolvedAll)
        {
            Problem($"{alert}: no resolved notification on {string.Join(", ", resolved.Where(p => p.Value is null).Select(p => p.Key))}");
        }
        else
        {
            Check(alert, resolved);
        }

        var wrong = stack.Log.All.Where(n => n.ReceivedAt >= injectedAt && n.AlertName == alert && !route.Deliveries.Any(d => d.Kind == n.Kind && d.Target == n.Target)).ToList();
        if (wrong.Count > 0)
        {
            Problem($"{alert}: delivered to receivers outside its route: {string.Join(", ", wrong.Select(w => $"{w.Kind}:{w.Target}"))}");
        }

        var lastResolved = resolved.Values.Where(n => n is not null).Select(n => n!.ReceivedAt).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        Record(new Outcome(alert, fault, firedAll, route.Receiver, AlertChecks.Kinds(fired), firedAll ? firstFiring - injectedAt : null, floor,
            resolvedAll ? $"yes, {(lastResolved - removedAt).TotalSeconds:F1} s after the fault was removed" : "NO"));
    }

    /// <summary>
    /// Waits until a scenario's traffic has done its setup (or ended), at most <see cref="TrafficSetUpLimit"/>: a setup
    /// that never succeeds must not hang the suite; the scenario then goes on and its alert's checks judge it.
    /// </summary>
    private async Task TrafficSetUpAsync(string alert, Task setUp, Task traffic)
    {
        if (await Task.WhenAny(setUp, traffic, Task.Delay(TrafficSetUpLimit)) != setUp && !setUp.IsCompleted)
        {
            Note($"{alert}: its traffic had not finished its setup after {TrafficSetUpLimit.TotalSeconds:F0} s (or ended); the fault was injected anyway.");
            Say($"{alert}: traffic setup not done within {TrafficSetUpLimit.TotalSeconds:F0} s");
        }
    }

    /// <summary>
    /// An alert still pending or firing from an earlier scenario's side effects would make its time to notify meaningless:
    /// wait (bounded) until it is inactive before injecting its own fault.
    /// </summary>
    private async Task SettleAsync(DetectionStack stack, string alert)
    {
        var (waited, _, cleared) = await AlertChecks.SettleAsync(stack, a => a == alert);
        if (!cleared)
        {
            Problem($"{alert}: still active {waited.TotalSeconds:F0} s after the previous scenarios (its drain bound), before its own fault");
        }
        else if (waited > TimeSpan.Zero)
        {
            Note($"{alert} was pending or firing before its own fault (a side effect of the scenarios before it); its fault waited {waited.TotalSeconds:F0} s for it to clear.");
        }
    }

    // ------------------------------------------------------------------ checks

    private void Check(string alert, Dictionary<string, Notification?> notifications)
    {
        foreach (var problem in AlertChecks.PayloadProblems(alert, notifications))
        {
            Problem(problem);
        }
    }

    /// <summary>The number of an alert's final <c>&gt; N</c> comparison.</summary>
    private static double Threshold(YamlMappingNode rule) =>
        double.Parse(Regex.Match(rule.Text("expr")!, @">\s*(?<n>\d+(\.\d+)?)\s*$").Groups["n"].Value, CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ dashboards

    private static async Task<string> DashboardQueriesAsync(DetectionStack stack)
    {
        var withData = 0;
        var empty = new List<string>();
        var skipped = new List<string>();
        // The dashboards as check reads them (DashboardModel): a target's datasource defaults to its panel's, and
        // ${datasource} stands for the uid the dashboard opens with, so "prometheus" (or none: the default) is Prometheus.
        foreach (var target in DashboardModel.Targets(Repository.PathOf("monitoring/grafana/dashboards")).Where(t => !string.IsNullOrWhiteSpace(t.Expr)))
        {
            var title = $"{Path.GetFileNameWithoutExtension(target.Dashboard)} / {target.Panel}";
            if (target.DatasourceUid is not ("" or "prometheus"))
            {
                skipped.Add($"{title} ({target.DatasourceUid})");
                continue;
            }

            var (series, error) = await stack.QueryAsync(SoakVariables.Substitute(target.Expr));
            if (series > 0)
            {
                withData++;
            }
            else
            {
                empty.Add($"{title}: `{target.Expr.ReplaceLineEndings(" ")}`{(error is null ? string.Empty : $" ({error})")}");
            }
        }

        var text = new StringBuilder($"Dashboards during the soak: {withData} Prometheus panel queries returned data; {empty.Count} returned none");
        text.Append(empty.Count == 0 ? "." : ":\n" + string.Join("\n", empty.Select(x => "  - " + x)));
        text.Append($"\n  Not queried (not Prometheus): {(skipped.Count == 0 ? "none" : string.Join(", ", skipped.Distinct()))}.");
        return text.ToString();
    }

    // The product's policy (GrafanaVariables) with windows the soak can fill: the stack has run for minutes, not
    // the hour Grafana's default view shows, and its scrape interval is compressed far below 15 s.
    private static readonly GrafanaVariables SoakVariables = GrafanaVariables.PromQl with { Interval = "15s", RateInterval = "1m", Range = "5m" };

    // ------------------------------------------------------------------ report

    private void Say(string line) => _journal.Say(line);

    private void Problem(string problem) => _journal.Problem(problem);

    private void Note(string note) => _journal.Note(note);

    // Scenarios run side by side (HostStressAndSlowQueriesAsync), so the outcomes are written under a lock.
    private void Record(Outcome outcome)
    {
        lock (_gate)
        {
            _outcomes.Add(outcome);
        }
    }

    private void WriteReport(DetectionStack stack)
    {
        var text = new StringBuilder();
        text.AppendLine("## DetectionSuite: every alert on its clean fault");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Last run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {_journal.Clock.Elapsed.TotalMinutes:F1} min.");
        text.AppendLine();
        text.AppendLine("### How it runs");
        text.AppendLine();
        text.AppendLine("The suite starts the real stack with `UpCommand.RunAsync(..., detach: true, ..., customization)`, the code behind");
        text.AppendLine("`./thebot up --detach` (install check, build, config rendering, the same process specs and readiness probes),");
        text.AppendLine("with time-compressed changes to specs and configs that all go through the stack's one extension point,");
        text.AppendLine("`StackCustomization` (`tests/TheBot.Detection.Tests/DetectionCustomization.cs`; the product has no detection field):");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- **one factor, {Factor}**: Prometheus' global scrape and evaluation interval 15 s → {stack.Interval.TotalMilliseconds} ms; every");
        text.AppendLine("  alert's `for:` and Alertmanager's `group_wait`, `group_interval`, `repeat_interval` (every route) and `resolve_timeout`");
        text.AppendLine("  divided by it;");
        text.AppendLine("- **receivers**: the real-receivers path of `monitoring/alertmanager/alertmanager.yml` (`render-config.sh` with");
        text.AppendLine("  `SLACK_WEBHOOK_URL`, `PAGERDUTY_SERVICE_KEY`, `SMTP_*`, `ALERT_WEBHOOK_URL`, `DEADMANS_SWITCH_URL` given by the profile),");
        text.AppendLine("  pointed at local sinks (`tests/TheBot.Testing/Sinks`): a Slack incoming-webhook stand-in, a PagerDuty Events API v2");
        text.AppendLine("  stand-in (`pagerduty_configs[].url` set by the profile), an SMTP server that requires STARTTLS then AUTH");
        text.AppendLine("  (`email_configs[].tls_config.ca_file` trusts its self-signed certificate) and parses each message, and a generic");
        text.AppendLine("  webhook that validates Alertmanager's webhook JSON version 4;");
        text.AppendLine("- **faults**: real ones: processes killed or stopped through their pid files and started again from the very");
        text.AppendLine("  spec `up` uses; real `pg_sleep` queries; real 5xx from the platform traffic of `./thebot load`; the backend's");
        text.AppendLine("  test-only fault switch (`/api/test/faults`, mapped because the profile runs it as `Staging` with `Faults:Enabled`);");
        text.AppendLine("  real stress of this machine: busy loops on every CPU, `dd` with direct I/O, memory held in a `/dev/shm` file");
        text.AppendLine("  (`tests/TheBot.Detection.Tests/HostStress.cs`). CPU, disk I/O and slow-query scenarios run side by side, since each");
        text.AppendLine("  takes minutes to fill and drain its 5-minute window; the memory scenarios run within them, and so do the backend's");
        text.AppendLine("  latency and then error-rate scenarios, once the slow-query fault is removed (they share its fault switch); the");
        text.AppendLine("  backend, Redis and long-query outages run side by side too (no inhibition rule links them, each alert has its own");
        text.AppendLine("  group). A scenario's traffic starts before its fault, which is injected once the traffic's own setup is done.");
        text.AppendLine();
        text.AppendLine("### The transform (`tests/TheBot.Detection.Tests/TimeCompression.cs`)");
        text.AppendLine();
        text.AppendLine("It reads the rule files listed in `monitoring/prometheus/prometheus.yml` (the production files themselves, never a");
        text.AppendLine("copy), replaces each alert's `for:` by `for / factor` (written in whole milliseconds) and, only for alerts listed as");
        text.AppendLine("lowered below, the number of the expression's final `> N`; everything else (expressions, labels, annotations,");
        text.AppendLine("recording rules) is written back unchanged into the folder given to Prometheus as `StackCustomization.RuleDirectory`.");
        text.AppendLine();
        text.AppendLine("**Range windows are not scaled.** `rate(...[5m])`, `ratio_rate5m` and the p95 over 5 minutes keep their production");
        text.AppendLine("windows (they work with a 1 s scrape interval and stay the production expressions). Consequence: an alert on a");
        text.AppendLine("windowed ratio needs the bad share to rise above its threshold *within the window*, so its time to notify includes");
        text.AppendLine("that fill time and depends on the traffic already in the window, and it resolves only once good traffic has");
        text.AppendLine("diluted the window (the suite sends 250 req/s of clean traffic after removing such a fault). The floor below is");
        text.AppendLine("therefore a lower bound, not a prediction, for those alerts, and the suite's waits allow a whole window to fill");
        text.AppendLine("and to drain (\"How long the suites wait\" above).");
        text.AppendLine();
        text.AppendLine("**One job keeps a longer interval.** postgres_exporter needs about 1 s (more under load) to answer when the");
        text.AppendLine("database is down, so with a 1 s scrape timeout `pg_up == 0` would never be stored. In compressed runs the");
        text.AppendLine("`postgres` job is scraped every 5 s (timeout 4 s) — `ConfigRenderer.MinimumScrapeInterval` — and the floor of");
        text.AppendLine("every alert on `pg_*` series uses that interval. The standard profile (15 s) is unaffected.");
        text.AppendLine();
        text.AppendLine("**An alert with `absent()` keeps a `for` of at least 15 s** (`TimeCompression.AbsentMinimumFor`; BackendServiceDown");
        text.AppendLine("1m → 15 s instead of 4 s). `absent(up{job=…})` is true from Prometheus' start until the job's first scrape, and");
        text.AppendLine("that first scrape is not scaled: Prometheus 2.42 passes discovered targets on at most every 5 s and applies them at");
        text.AppendLine("most every 5 s. With 4 s the alert fired at start-up whenever the first scrape was late; Prometheus then re-sends");
        text.AppendLine("the resolved alert for 15 minutes, which keeps its Alertmanager group alive, and the real fault joined that group:");
        text.AppendLine("sent at the group's next flush, up to a group_interval late, or never when the fault was gone by then (the");
        text.AppendLine("intermittent \"BackendServiceDown not notified\" of 2026-12-01). Production `for` values are far above it.");
        text.AppendLine();
        text.AppendLine("**Prometheus' alert re-send delay is scaled too** (`--rules.alert.resend-delay` 1 m → 4 s): Prometheus sends a");
        text.AppendLine("firing alert again only after that delay, and its very first batch can be dropped before Alertmanager is");
        text.AppendLine("discovered; unscaled, the Watchdog would reach the dead man's switch a whole minute late.");
        text.AppendLine();
        text.AppendLine(Lowered.Count == 0
            ? "Thresholds lowered: **none** in this run."
            : "Thresholds lowered: " + string.Join(", ", Lowered.Select(l => $"{l.Key} → {l.Value}")) + ".");
        text.AppendLine();
        text.AppendLine("<details><summary>Scaled rules of this run</summary>");
        text.AppendLine();
        text.Append(TimeCompression.Describe(stack.Changes));
        text.AppendLine();
        text.AppendLine("</details>");
        text.AppendLine();
        text.AppendLine("### Results");
        text.AppendLine();
        text.AppendLine("Time to notify: from the fault's injection to the first notification of the alert at any of its receiver's");
        text.AppendLine("integrations. Floor: scrape interval + one evaluation per rule level + scaled `for` + scaled `group_wait` of its route.");
        text.AppendLine();
        text.AppendLine("| alert | fault | fired? | receiver | delivered to | time to notify | floor | resolved notification |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var o in _outcomes)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {o.Alert} | {o.Fault} | {(o.Fired ? "yes" : "**no**")} | {o.Receiver} | {o.Kinds} | {(o.TimeToNotify is { } t ? $"{t.TotalSeconds:F1} s" : "—")} | {(o.Floor == TimeSpan.Zero ? "—" : $"{o.Floor.TotalSeconds:F1} s")} | {o.Resolved} |");
        }

        text.AppendLine();
        text.AppendLine("### Noise and dashboards");
        text.AppendLine();
        foreach (var note in _journal.Notes)
        {
            text.AppendLine(note);
            text.AppendLine();
        }

        var others = stack.Log.All.Where(n => n.Status == "firing" && !string.IsNullOrEmpty(n.AlertName)).Select(n => n.AlertName)
            .Where(a => _outcomes.All(o => o.Alert != a)).Distinct().Order(StringComparer.Ordinal).ToList();
        text.AppendLine(CultureInfo.InvariantCulture, $"Other alerts notified during the fault scenarios (consequences of the injected faults): {(others.Count == 0 ? "none" : string.Join(", ", others))}.");
        text.AppendLine();
        text.AppendLine("### Problems in this run");
        text.AppendLine();
        text.AppendLine(_journal.Problems.Count == 0 ? "None." : string.Join("\n", _journal.Problems.Select(p => "- " + p)));
        text.AppendLine();
        text.AppendLine(NotCovered);
        DetectionReport.WriteSection(DetectionReport.Timing, stack.Timing.Describe(AlertCatalog.ProductionAlerts.Keys));
        DetectionReport.WriteSection(nameof(DetectionSuite), text.ToString());
        Say(text.ToString());
    }
}
