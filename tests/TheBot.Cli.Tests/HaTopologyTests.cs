using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TheBot.Cli.Clients;
using TheBot.Cli.Config;
using TheBot.Cli.Inbox;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Stack.Components;
using TheBot.Testing;
using Xunit;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Tests;

/// <summary>
/// Issue 11, the HA topology really run (<c>up --topology ha</c>, real processes on loopback): scaling 2 → 3 backends
/// by discovery without restarting Prometheus, and back to 2 under traffic without a failed request; request counts through the frontend add up exactly in VictoriaMetrics
/// across the instances and the two replicas; a critical alert both replicas fire reaches its receiver once per group
/// through the three-member Alertmanager cluster; a VictoriaMetrics outage under traffic (stopped in step 6, kept
/// through step 7, restarted in step 8) loses no sample, with PrometheusRemoteWriteBehind firing during it (held by
/// every member, inhibited by VictoriaMetricsDown: one outage, one notification) and resolved after;
/// AlertmanagerClusterMembersMissing fires while a killed member is away, reaches the warning receiver, and clears
/// once it rejoins; a scrape target dropped from one replica's config (a rollout that reached one replica) fires
/// PrometheusReplicasDisagree on both replicas, reaches the warning receiver, and clears once the config is restored;
/// two members hung (SIGSTOP) fire AlertmanagerClusterGossipFailing for the third, which notifies alone, and it clears
/// once they resume (those four alerts with a shortened <c>for</c>: <see cref="HaStackFixture.ShortenedFor"/>);
/// <c>backup</c> copies and verifies both replicas, and with replica a hung (SIGSTOP) backs up b and warns without
/// waiting for a; <c>cleanup</c> deletes on both replicas and in VictoriaMetrics, which it leaves whole when an age
/// bound would make its whole-series deletion take newer samples too.
/// Steps run in order on one stack (each needs the previous state).
/// Every wait is derived from what it waits for: the scrape interval, remote_write's send deadline,
/// VictoriaMetrics' query latency offset, the alert's <c>for</c>, the route's <c>group_wait</c> and the cluster's
/// peer timeout.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Stack)]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
[Collection(HaStackFixture.Collection)]
public sealed class HaTopologyTests(HaStackFixture ha, ITestOutputHelper output) : IClassFixture<HaStackFixture>
{
    /// <summary>
    /// Slack on top of a derived wait for what no configuration states: a file-watch event reaching Prometheus or the
    /// frontend, one HTTP round of the poll itself, a busy 2-core machine.
    /// </summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Prometheus' discovery manager hands changed target groups to the scrape manager at most once per 5 s (a fixed
    /// throttle in its code, not a setting): the longest a file_sd change waits before it is a target.
    /// </summary>
    private static readonly TimeSpan DiscoveryThrottle = TimeSpan.FromSeconds(5);

    /// <summary>Prometheus' remote_write <c>batch_send_deadline</c> (its default, not set in the rendered config).</summary>
    private static readonly TimeSpan RemoteWriteDeadline = TimeSpan.FromSeconds(5);

    /// <summary>Prometheus' remote_write <c>max_backoff</c> (its default): the longest pause between retries of a failed send.</summary>
    private static readonly TimeSpan RemoteWriteBackoff = TimeSpan.FromSeconds(5);

    /// <summary>Pause between the bounded requests sent during the storage outage (about four a second).</summary>
    private static readonly TimeSpan TrafficPause = TimeSpan.FromMilliseconds(250);

    /// <summary>How far each replica's remote_write is behind what it ingested: PrometheusRemoteWriteBehind's expression without its threshold.</summary>
    private const string BehindLag =
        "max_over_time(prometheus_remote_storage_highest_timestamp_in_seconds[5m]) - ignoring (remote_name, url) group_right max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds[5m])";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private const string Endpoint = "/api/courses";

    /// <summary>Clients sending through the frontend at once while the stack scales down.</summary>
    private const int ConcurrentClients = 4;

    private const string MembersMissing = "AlertmanagerClusterMembersMissing";

    private LocalStack Stack => ha.Stack;

    private TimeSpan Interval => Stack.ScrapeInterval;

    private PrometheusClient VictoriaMetrics => new(Stack.VictoriaMetrics!.Url);

    [Fact, Step(Order = 1)]
    public async Task Up_starts_every_member_and_each_replica_scrapes_all_of_them()
    {
        Report.Line(output, $"up --topology ha --backends 2: {ha.UpTime.TotalSeconds:F1} s (services built before)");
        Assert.Contains("✓ Prometheus scraped every target", ha.UpOutput, StringComparison.Ordinal);
        foreach (var name in (string[])["backend", "backend-2", "prometheus", "prometheus-b", "alertmanager", "alertmanager-2", "alertmanager-3", "victoriametrics"])
        {
            Assert.NotNull(ComponentControl.Running(Location.Paths, name));
            Assert.Contains(Location.Url(name), ha.UpOutput, StringComparison.Ordinal); // the services table lists every member
        }

        foreach (var replica in Stack.Prometheuses)
        {
            var counts = (await new PrometheusClient(replica.Url).QueryAsync("count by (job) (up == 1)")).EnumerateArray()
                .ToDictionary(s => s.GetProperty("metric").GetProperty("job").GetString()!, s => s.GetProperty("value")[1].GetString());
            Assert.Equal("2", counts["thebot-backend"]);
            Assert.Equal("2", counts["prometheus"]);
            Assert.Equal("3", counts["alertmanager"]);
            Assert.Equal("1", counts[ConfigRenderer.VictoriaMetricsJob]);
        }

        var status = await Http.GetFromJsonAsync<JsonElement>(Stack.Alertmanager.Url + "/api/v2/status");
        Assert.Equal("ready", status.GetProperty("cluster").GetProperty("status").GetString());
        Assert.Equal(3, status.GetProperty("cluster").GetProperty("peers").GetArrayLength());
    }

    [Fact, Step(Order = 2)]
    public async Task Bad_scale_and_topology_input_is_refused_with_exit_2()
    {
        foreach (var args in (string[][])[["scale", "backend=0"], ["scale", "backend=10"], ["scale", "redis=2"], ["scale", "backend"], ["up", "--topology", "ha", "--backends", "10"], ["up", "--topology", "triple"], ["up", "--backends", "3"]])
        {
            var (exit, text) = await VerbInvoker.InvokeAsync([.. args, "--state-dir", Location.Paths.Root, "--port-offset", $"{Location.Ports.Offset}"]);
            Assert.True(exit == ScaleCommand.BadInput, $"{string.Join(' ', args)} → exit {exit}: {text}");
        }

        var single = StackPaths.CreateTemporary(LeftoverStacks.Prefix);
        try
        {
            var (exit, text) = await VerbInvoker.InvokeAsync(["scale", "backend=3", "--state-dir", single.Root]);
            Assert.Equal(1, exit);
            Assert.Contains("is not an HA stack", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(single.Root, recursive: true);
        }
    }

    [Fact, Step(Order = 3)]
    public async Task Scale_2_to_3_backends_is_discovered_within_one_scrape_interval_without_restarting_Prometheus()
    {
        var pids = Stack.Prometheuses.ToDictionary(p => p.Name, p => ComponentControl.Running(Location.Paths, p.Name)!.Pid);
        var startTimes = await StartTimesAsync(Stack.Prometheus);
        Assert.Equal(2, startTimes.Count);

        var printed = new StringWriter();
        Assert.Equal(0, await ScaleCommand.RunAsync(Location, "backend=3", printed, CancellationToken.None));
        var scaled = Stopwatch.StartNew();
        var scaledAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        Assert.Contains("started backend-3", printed.ToString(), StringComparison.Ordinal);

        // Discovery: the file_sd file changed, so once the discovery throttle has passed, within one scrape interval
        // (a new target's first scrape lands at its own offset inside the interval) each replica has scraped it.
        var target = $"127.0.0.1:{Location.Ports[ServiceNames.BackendInstance(3)]}";
        var limit = DiscoveryThrottle + Interval + Margin;
        foreach (var replica in Stack.Prometheuses)
        {
            await Eventually.HoldsAsync(limit, async () =>
                (await new PrometheusClient(replica.Url).QueryAsync($"up{{job=\"thebot-backend\",instance=\"{target}\"}} == 1")).GetArrayLength() == 1
                    ? null : $"{replica.Name} has not scraped {target} successfully");
            Report.Line(output, $"scale backend=3: {replica.Name} scraped {target} up==1 after {scaled.Elapsed.TotalSeconds:F1} s (limit {limit.TotalSeconds:F0} s = discovery throttle + scrape interval + margin)");
        }

        // No restart: the same processes, and once a scrape newer than the scaling has read their start time, the same start time.
        Assert.Equal(pids, Stack.Prometheuses.ToDictionary(p => p.Name, p => ComponentControl.Running(Location.Paths, p.Name)!.Pid));
        await Eventually.HoldsAsync(limit, async () =>
            (await new PrometheusClient(Stack.Prometheus.Url).QueryAsync($"timestamp(process_start_time_seconds{{job=\"prometheus\"}}) > {scaledAt.ToString(CultureInfo.InvariantCulture)}")).GetArrayLength() == 2
                ? null : "no scrape of both replicas' start time since the scaling yet");
        Assert.Equal(startTimes, await StartTimesAsync(Stack.Prometheus));

        // The frontend's destinations follow too: backend-3 gets requests (round-robin).
        var before = await DirectCountsAsync();
        await SendAsync(Stack.Topology.Backends * 3);
        var after = await DirectCountsAsync();
        Assert.True(after.GetValueOrDefault(target) > before.GetValueOrDefault(target), $"backend-3 got no request through the frontend: {Describe(after)}");
    }

    [Fact, Step(Order = 4)]
    public async Task Requests_through_the_frontend_add_up_exactly_in_VictoriaMetrics_across_instances_and_replicas()
    {
        const int requests = 60;
        var query = $"sum by (instance) (thebot_http_requests_total{{job=\"thebot-backend\",endpoint=\"{Endpoint}\"}})";

        // VictoriaMetrics shows a sample once the next scrape took it, remote_write shipped it and its latency offset
        // passed; then it must hold exactly what the instances themselves count.
        var visibleWithin = Interval + RemoteWriteDeadline + Stack.VictoriaMetrics!.LatencyOffset + Margin;
        var before = await DirectCountsAsync();
        await Eventually.HoldsAsync(visibleWithin, async () => await StoredAsync(query) is var stored && Same(stored, before) ? null : $"VictoriaMetrics {Describe(stored)} ≠ instances {Describe(before)}");

        await SendAsync(requests);
        var after = await DirectCountsAsync();
        Assert.Equal(requests, after.Values.Sum() - before.Values.Sum());
        var watch = Stopwatch.StartNew();
        await Eventually.HoldsAsync(visibleWithin, async () => await StoredAsync(query) is var stored && Same(stored, after) ? null : $"VictoriaMetrics {Describe(stored)} ≠ instances {Describe(after)}");
        var stored = await StoredAsync(query);
        Report.Line(output, $"{requests} requests through the frontend: VictoriaMetrics increase {stored.Values.Sum() - before.Values.Sum()} after {watch.Elapsed.TotalSeconds:F1} s; per instance {string.Join(", ", after.Select(p => $"{p.Key} +{p.Value - before.GetValueOrDefault(p.Key)}"))}");

        Assert.Equal(requests, stored.Values.Sum() - before.Values.Sum());
        Assert.Equal(3, after.Count);
        Assert.All(after, p => Assert.True(p.Value > before.GetValueOrDefault(p.Key), $"{p.Key} got no share"));

        // One copy per series: the replicas' identical series are one after labeldrop + dedup, none carries `replica`.
        var inReplica = (await new PrometheusClient(Stack.Prometheus.Url).QueryAsync($"count(thebot_http_requests_total{{job=\"thebot-backend\"}})")).EnumerateArray().Single().GetProperty("value")[1].GetString();
        var inStore = (await VictoriaMetrics.QueryAsync($"count(thebot_http_requests_total{{job=\"thebot-backend\"}})")).EnumerateArray().Single().GetProperty("value")[1].GetString();
        Assert.Equal(inReplica, inStore);
        Assert.Equal(0, (await VictoriaMetrics.QueryAsync($"count({{{ConfigRenderer.ReplicaLabel}!=\"\"}})")).GetArrayLength());
    }

    [Fact, Step(Order = 5)]
    public async Task Scale_3_to_2_backends_under_traffic_answers_every_request()
    {
        // Concurrent clients through the frontend before, during and one drain after the scaling: the removed instance
        // is unpublished, drained and only then stopped, so no request meets a stopping instance (a 502) or fails.
        var statuses = new System.Collections.Concurrent.ConcurrentQueue<int>();
        using var done = new CancellationTokenSource();
        var clients = Enumerable.Range(0, ConcurrentClients).Select(_ => Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                try
                {
                    using var response = await Http.GetAsync(Location.Url(ServiceNames.Frontend) + Endpoint + "/");
                    statuses.Enqueue((int)response.StatusCode);
                }
                catch (HttpRequestException)
                {
                    statuses.Enqueue(0); // no answer at all
                }
            }
        })).ToList();

        await Task.Delay(BackendScaling.Drain);
        var removed = ServiceNames.BackendInstance(3);
        var target = $"127.0.0.1:{Location.Ports[removed]}";
        var printed = new StringWriter();
        var watch = Stopwatch.StartNew();
        Assert.Equal(0, await ScaleCommand.RunAsync(Location, "backend=2", printed, CancellationToken.None));
        var took = watch.Elapsed;
        await Task.Delay(BackendScaling.Drain);
        await done.CancelAsync();
        await Task.WhenAll(clients);

        Assert.Contains($"stopped {removed}", printed.ToString(), StringComparison.Ordinal);
        Assert.Null(ComponentControl.Running(Location.Paths, removed));
        var failed = statuses.Where(s => s is 0 or >= 500).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        Report.Line(output, $"scale backend=2 under {ConcurrentClients} concurrent clients: {statuses.Count} requests, {failed.Values.Sum()} failed ({string.Join(", ", failed.Select(p => $"{(p.Key == 0 ? "no answer" : p.Key.ToString(CultureInfo.InvariantCulture))} ×{p.Value}"))}); the scaling took {took.TotalSeconds:F1} s (drain {BackendScaling.Drain.TotalSeconds:F0} s)");
        Assert.Empty(failed);
        Assert.True(statuses.Count >= ConcurrentClients * 10, $"only {statuses.Count} requests went through");

        // Discovery drops the removed target on both replicas (its series end with a staleness marker).
        foreach (var replica in Stack.Prometheuses)
        {
            await Eventually.HoldsAsync(DiscoveryThrottle + Interval + Margin, async () =>
                (await new PrometheusClient(replica.Url).QueryAsync($"up{{job=\"thebot-backend\",instance=\"{target}\"}}")).GetArrayLength() == 0
                    ? null : $"{replica.Name} still scrapes {target}");
        }
    }

    [Fact, Step(Order = 6)]
    public async Task VictoriaMetrics_stopped_under_traffic_leaves_both_replicas_scraping()
    {
        // A storage outage as an operator causes one (SIGTERM: VictoriaMetrics flushes what it has acknowledged), under
        // bounded traffic through the frontend for three scrape intervals, so scrapes inside the outage see counters move.
        Assert.Equal(0, await ComponentCommand.RunAsync(Location, "stop", ServiceNames.VictoriaMetrics, TextWriter.Null, CancellationToken.None));
        var stoppedAt = DateTimeOffset.UtcNow;
        var before = await DirectCountsAsync();
        var requests = 0;
        var traffic = Stopwatch.StartNew();
        while (traffic.Elapsed < Interval * 3)
        {
            await SendAsync(1);
            requests++;
            await Task.Delay(TrafficPause);
        }

        var after = await DirectCountsAsync();
        Assert.Equal(requests, after.Values.Sum() - before.Values.Sum());

        // Each replica's own scrape of the store fails; the outage goes on through the next step (the service-down
        // alert), which needs no store, and ends in After_the_storage_outage_….
        foreach (var replica in Stack.Prometheuses)
        {
            await Eventually.HoldsAsync(Interval + Margin, async () =>
                (await new PrometheusClient(replica.Url).QueryAsync($"up{{job=\"{ConfigRenderer.VictoriaMetricsJob}\"}} == 0")).GetArrayLength() == 1
                    ? null : $"{replica.Name} still scrapes VictoriaMetrics");
        }

        ha.StorageOutage = new StorageOutage(stoppedAt, DateTimeOffset.UtcNow, requests);
        Report.Line(output, $"VictoriaMetrics stopped; {requests} requests through the frontend in the first {traffic.Elapsed.TotalSeconds:F0} s of the outage");
    }

    [Fact, Step(Order = 7)]
    public async Task A_critical_alert_both_replicas_fire_reaches_each_receiver_once_per_group()
    {
        const string alert = "BackendServiceDown";
        var forDuration = AlertFor(alert);
        var (receiver, groupWait) = await RouteForAsync(alert, "critical");
        var alreadyThere = NotificationInbox.Read(Stack.InboxDirectory).Count;

        // Every instance down: the service is unavailable, the cheapest real critical alert.
        foreach (var name in Stack.Topology.BackendNames)
        {
            Assert.Equal(0, await ComponentCommand.RunAsync(Location, "stop", name, TextWriter.Null, CancellationToken.None));
        }

        var stopped = Stopwatch.StartNew();

        // One scrape sees the instances down, one evaluation starts the `for`, `for` later one evaluation fires, and
        // the first cluster member notifies after the route's group_wait.
        await NotifiedOnceAsync(alert, alreadyThere, stopped, Interval + Interval + forDuration + Interval + groupWait + Margin, Stack.Alertmanagers, receiver);
    }

    [Fact, Step(Order = 8)]
    public async Task After_the_storage_outage_VictoriaMetrics_holds_every_sample_the_replica_holds()
    {
        var outage = ha.StorageOutage ?? throw new InvalidOperationException("step 6 did not stop VictoriaMetrics");
        const string behind = "PrometheusRemoteWriteBehind";
        var threshold = TimeSpan.FromSeconds(AlertThreshold(behind));

        // During: once the newest ingested sample is `threshold` ahead of the newest sent one, a scrape reads both
        // timestamps and the next evaluation makes the real rule's expression true on each replica, for both replicas'
        // queues (each scrapes both); `for` later (shortened by the fixture) it fires. VictoriaMetricsDown fires too.
        var firingBehindBy = outage.StoppedAt + threshold + Interval + Interval + AlertFor(behind) + Interval + Margin;
        var storeDown = "VictoriaMetricsDown";
        var firingBy = outage.StoppedAt + Interval + AlertFor(storeDown) + Interval + Margin;
        foreach (var replica in Stack.Prometheuses)
        {
            var client = new PrometheusClient(replica.Url);
            await Eventually.HoldsAsync(Max(firingBy - DateTimeOffset.UtcNow, Margin), async () =>
                (await client.QueryAsync($"ALERTS{{alertname=\"{storeDown}\",alertstate=\"firing\"}}")).GetArrayLength() == 1
                    ? null : $"{replica.Name} does not fire {storeDown}");
            await Eventually.HoldsAsync(Max(firingBehindBy - DateTimeOffset.UtcNow, Margin), async () =>
                (await client.QueryAsync($"ALERTS{{alertname=\"{behind}\",alertstate=\"firing\"}}")).GetArrayLength() == Stack.Prometheuses.Count
                    ? null : $"{replica.Name} does not fire {behind} for each replica's queue");
        }

        var lag = (await new PrometheusClient(Stack.Prometheus.Url).QueryAsync(BehindLag)).EnumerateArray().Select(s => double.Parse(s.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)).Min();
        Report.Line(output, $"{(DateTimeOffset.UtcNow - outage.StoppedAt).TotalSeconds:F0} s into the outage: {behind} firing on both replicas (remote_write {lag:F0} s behind, threshold {threshold.TotalSeconds:F0} s), {storeDown} firing");

        // The same outage seen twice: every member holds the remote_write alerts inhibited by VictoriaMetricsDown (the
        // inhibition keyed on `cluster` only), so the operator is told once, by the store's own alert.
        foreach (var member in Stack.Alertmanagers)
        {
            await Eventually.HoldsAsync(Interval + Margin, async () =>
            {
                var held = await Http.GetFromJsonAsync<JsonElement>($"{member.Url}/api/v2/alerts?filter=alertname%3D%22{behind}%22");
                return held.GetArrayLength() > 0 && held.EnumerateArray().All(a => a.GetProperty("status").GetProperty("inhibitedBy").GetArrayLength() > 0)
                    ? null : $"{member.Name} holds {held.GetArrayLength()} {behind} alert(s), not all inhibited";
            });
        }

        Assert.Empty(Firing(behind, 0));
        Report.Line(output, $"{behind} held by all {Stack.Alertmanagers.Count} Alertmanager members, inhibited by {storeDown}; no {behind} notification sent");

        Assert.Equal(0, await ComponentCommand.RunAsync(Location, "start", ServiceNames.VictoriaMetrics, TextWriter.Null, CancellationToken.None));
        var restarted = Stopwatch.StartNew();
        var restartedAt = DateTimeOffset.UtcNow;

        // Windows aligned to the dedup interval, as VictoriaMetrics keeps one sample per aligned interval: in each,
        // the replica (which ran throughout) scraped exactly once, so the store must hold exactly as many samples per
        // series as the replica's own TSDB (windows start after the stop, and after the staleness markers of the
        // instance the scale-down removed). `up` of every job to the restart (the backends' `up` goes on, as 0, after
        // step 7 stopped them); the request counters while the traffic ran.
        var from = AlignDown(outage.StoppedAt) + Interval;
        var windows = new[]
        {
            (Selector: "up", Until: AlignDown(restartedAt)),
            (Selector: $"thebot_http_requests_total{{job=\"thebot-backend\",endpoint=\"{Endpoint}\"}}", Until: AlignDown(outage.TrafficEndedAt)),
        };

        // The queues resend from the WAL once a retry (backoff at most RemoteWriteBackoff) reaches the store; the last
        // window's samples are then readable after a send deadline and the store's latency offset.
        var caughtUpWithin = RemoteWriteBackoff + RemoteWriteDeadline + Stack.VictoriaMetrics!.LatencyOffset + Interval + Margin;
        var compared = new List<string>();
        await Eventually.HoldsAsync(caughtUpWithin, async () =>
        {
            compared.Clear();
            foreach (var (selector, until) in windows)
            {
                var local = await SampleCountsAsync(Stack.Prometheus.Url, selector, from, until);
                var stored = await SampleCountsAsync(Stack.VictoriaMetrics.Url, selector, from, until);
                if (local.Count == 0 || !local.OrderBy(p => p.Key).SequenceEqual(stored.OrderBy(p => p.Key)))
                {
                    return $"{selector} over {(until - from).TotalSeconds:F0} s: replica {DescribeCounts(local)} ≠ VictoriaMetrics {DescribeCounts(stored)}";
                }

                compared.Add($"{selector}: {local.Count} series, {local.Values.Sum()} samples over {(until - from).TotalSeconds:F0} s");
            }

            return null;
        });
        Report.Line(output, $"VictoriaMetrics restarted after {(restartedAt - outage.StoppedAt).TotalSeconds:F0} s down; {restarted.Elapsed.TotalSeconds:F1} s later it holds per series exactly the samples of {Stack.Prometheus.Name}'s TSDB: {string.Join("; ", compared)}");

        // A series scraped all along has one sample per interval in the window, so neither side is missing a stretch.
        var upWindow = windows[0].Until - from;
        Assert.All(await SampleCountsAsync(Stack.VictoriaMetrics.Url, "up", from, windows[0].Until), p =>
            Assert.True(p.Value >= (long)(upWindow / Interval) - 1, $"{p.Key}: {p.Value} samples over {upWindow.TotalSeconds:F0} s"));

        // After: the queues caught up, a scrape shows it, an evaluation drops the alert; the store is up again.
        foreach (var replica in Stack.Prometheuses)
        {
            await Eventually.HoldsAsync(Interval + Interval + Margin, async () =>
                (await new PrometheusClient(replica.Url).QueryAsync($"ALERTS{{alertname=~\"{behind}|{storeDown}\"}}")).GetArrayLength() == 0
                    ? null : $"{replica.Name} still holds {behind} or {storeDown}");
        }

        Report.Line(output, $"{behind} and {storeDown} resolved on both replicas {restarted.Elapsed.TotalSeconds:F1} s after the restart");
    }

    [Fact, Step(Order = 9)]
    public async Task SIGKILL_of_one_Prometheus_replica_leaves_no_gap_in_VictoriaMetrics()
    {
        // Long enough for several scrapes to be missing from the killed replica.
        var outage = Interval * 4;
        const string series = "up{job=\"node\"}";
        var from = DateTimeOffset.UtcNow;
        var killed = ComponentControl.Running(Location.Paths, ServiceNames.PrometheusB)!;
        Process.GetProcessById(killed.Pid).Kill(); // SIGKILL: no clean shutdown, no last remote_write flush
        await Task.Delay(outage);
        var restartedAt = DateTimeOffset.UtcNow;
        Assert.Equal(0, await ComponentCommand.RunAsync(Location, "start", ServiceNames.PrometheusB, TextWriter.Null, CancellationToken.None));

        // Raw samples after dedup (/api/v1/export, no query-time lookback that could paper over a hole), held against
        // what the surviving replica scraped over the same span (its own TSDB, raw samples through a range selector).
        var until = restartedAt + Interval;
        var visibleWithin = Interval + RemoteWriteDeadline + Stack.VictoriaMetrics!.LatencyOffset + Margin;
        if (until - DateTimeOffset.UtcNow is { Ticks: > 0 } toUntil)
        {
            await Task.Delay(toUntil);
        }

        // VictoriaMetrics keeps the last sample of each aligned dedup window (k·I, (k+1)·I]. No gap means every window in
        // which the survivor scraped holds a sample in VictoriaMetrics; the distance between kept samples alone can reach
        // two intervals without any loss when a replica's scrape phase sits near a window edge. Polled until it holds
        // (the windows' samples become visible within a scrape, a send deadline and the store's latency offset): a lost
        // window never turns up, so the poll then runs out and fails with the last reading.
        var interval = (long)Interval.TotalMilliseconds;
        long Window(long timestamp) => (timestamp + interval - 1) / interval;
        // Only windows wholly inside the exported span: dedup may keep a sample just outside it for an edge window.
        var (first, last) = (from.ToUnixTimeSeconds() * 1000, until.ToUnixTimeSeconds() * 1000);
        var expected = (int)((until - from) / Interval) - 1;
        List<long> stored = [], scraped = [], lost = [];
        await Eventually.HoldsAsync(visibleWithin, async () =>
        {
            var exported = await Http.GetStringAsync($"{Stack.VictoriaMetrics.Url}/api/v1/export?match[]={Uri.EscapeDataString(series)}&start={from.ToUnixTimeSeconds()}&end={until.ToUnixTimeSeconds()}");
            stored = [.. exported.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .SelectMany(line => JsonNode.Parse(line)!["timestamps"]!.AsArray().Select(t => t!.GetValue<long>())).Order()];
            var survivor = await new PrometheusClient(Location.Url(ServiceNames.Prometheus)).GetAsync(
                $"/api/v1/query?query={Uri.EscapeDataString($"{series}[{(int)Math.Ceiling((until - from).TotalSeconds)}s]")}&time={until.ToUnixTimeMilliseconds() / 1000.0:F3}");
            scraped = [.. survivor.GetProperty("data").GetProperty("result").EnumerateArray()
                .SelectMany(s => s.GetProperty("values").EnumerateArray().Select(v => (long)Math.Round(v[0].GetDouble() * 1000)))
                .Where(t => t >= from.ToUnixTimeMilliseconds()).Order()];
            lost = [.. scraped.Select(Window).Distinct().Where(w => (w - 1) * interval >= first && w * interval <= last).Except(stored.Select(Window))];
            return scraped.Count < expected ? $"the surviving replica scraped only {scraped.Count} samples over {(until - from).TotalSeconds:F0} s"
                : lost.Count > 0 ? $"VictoriaMetrics has no sample in {lost.Count} dedup window(s) where prometheus-a scraped {series}: survivor at [{string.Join(", ", scraped)}], stored [{string.Join(", ", stored)}]"
                : stored.Count < expected ? $"only {stored.Count} samples over {(until - from).TotalSeconds:F0} s"
                : null;
        });
        var widest = stored.Zip(stored.Skip(1), (a, b) => b - a).DefaultIfEmpty(long.MaxValue).Max();
        Report.Line(output, $"prometheus-b SIGKILLed for {outage.TotalSeconds:F0} s: {stored.Count} samples of {series} in VictoriaMetrics over {(until - from).TotalSeconds:F0} s (widest step {widest} ms, scrape interval {interval} ms); the survivor scraped {scraped.Count}; dedup windows of the survivor's samples missing from VictoriaMetrics: {lost.Count}");
        Assert.True(scraped.Count >= expected, $"the surviving replica scraped only {scraped.Count} samples over {(until - from).TotalSeconds:F0} s");
        Assert.True(lost.Count == 0, $"VictoriaMetrics has no sample in {lost.Count} dedup window(s) where prometheus-a scraped {series}: survivor at [{string.Join(", ", scraped)}], stored [{string.Join(", ", stored)}]");
        Assert.True(stored.Count >= expected, $"only {stored.Count} samples over {(until - from).TotalSeconds:F0} s");

        // The restarted replica scrapes again.
        await Eventually.HoldsAsync(DiscoveryThrottle + Interval + Margin, async () =>
            (await new PrometheusClient(Location.Url(ServiceNames.PrometheusB)).QueryAsync($"{series} == 1")).GetArrayLength() == 1 ? null : "prometheus-b has not scraped node again");
    }

    [Fact, Step(Order = 10)]
    public async Task After_SIGKILL_of_one_Alertmanager_member_the_next_alert_is_still_delivered_once()
    {
        const string alert = "FrontendServiceDown";
        var forDuration = AlertFor(alert);
        var (receiver, groupWait) = await RouteForAsync(alert, "critical");
        var alreadyThere = NotificationInbox.Read(Stack.InboxDirectory).Count;

        // One member is gone without a goodbye (which cluster position it held depends on its random peer name).
        var victim = Stack.Alertmanager;
        Process.GetProcessById(ComponentControl.Running(Location.Paths, victim.Name)!.Pid).Kill();
        Assert.Equal(0, await ComponentCommand.RunAsync(Location, "stop", ServiceNames.Frontend, TextWriter.Null, CancellationToken.None));
        var stopped = Stopwatch.StartNew();

        // As before, plus one peer timeout: should gossip not yet have declared the killed member dead, a survivor that
        // still counts it ahead of itself waits one position before notifying.
        var survivors = Stack.Alertmanagers.Where(m => m.Name != victim.Name).ToList();
        // Its exactly-once check waits out the cluster positions' peer timeouts: run after the MembersMissing steps below,
        // which take longer than that anyway, instead of idling through them first.
        var deliveredOnce = await NotifiedAsync(alert, alreadyThere, stopped, Interval + Interval + forDuration + Interval + groupWait + Alertmanager.PeerTimeout + Margin, survivors, receiver);

        // Meanwhile the survivors count one member fewer than Prometheus scrapes: the real cluster-members rule is true
        // for each survivor on each replica (the member has been dead for far longer than gossip's failure detection,
        // a scrape and an evaluation by now), and fires `for` later (shortened by the fixture).
        const string missing = MembersMissing;
        var survivorInstances = survivors.Select(m => $"127.0.0.1:{Location.Ports[m.Name]}").Order(StringComparer.Ordinal).ToList();
        foreach (var replica in Stack.Prometheuses)
        {
            await Eventually.HoldsAsync(Interval + Interval + AlertFor(missing) + Interval + Margin, async () =>
                await MissingMembersAsync(replica, "firing") is var instances && instances.SequenceEqual(survivorInstances)
                    ? null : $"{replica.Name} fires {missing} for [{string.Join(", ", instances)}], not for the survivors [{string.Join(", ", survivorInstances)}]");
        }

        Report.Line(output, $"{missing} firing for both survivors on both replicas {stopped.Elapsed.TotalSeconds:F1} s after the SIGKILL");

        // A warning: delivered by the surviving members to the warning route's receiver, after its group_wait (and
        // one peer timeout per cluster position ahead of the notifying survivor).
        var (warningReceiver, warningWait) = await RouteForAsync(missing, "warning");
        await DeliveredAsync(missing, alreadyThere, warningReceiver, warningWait + Alertmanager.PeerTimeout * (Stack.Alertmanagers.Count - 1) + Interval + Margin);
        Report.Line(output, $"{missing} notified to {warningReceiver} {stopped.Elapsed.TotalSeconds:F1} s after the SIGKILL (group_wait {warningWait.TotalSeconds:F0} s)");
        await deliveredOnce();

        // The member restarts from up's spec and rejoins the cluster.
        Assert.Equal(0, await ComponentCommand.RunAsync(Location, "start", victim.Name, TextWriter.Null, CancellationToken.None));
        var restarted = Stopwatch.StartNew();
        await SeesEveryMemberAsync(victim);

        // Rejoined: a scrape reads three members everywhere and the next evaluation drops the alert.
        foreach (var replica in Stack.Prometheuses)
        {
            await Eventually.HoldsAsync(Interval + Interval + Margin, async () =>
                await MissingMembersAsync(replica) is { Count: 0 } ? null : $"{replica.Name} still holds {missing}");
        }

        Report.Line(output, $"{missing} gone on both replicas {restarted.Elapsed.TotalSeconds:F1} s after {victim.Name} restarted");
    }

    [Fact, Step(Order = 11)]
    public async Task A_scrape_target_missing_from_one_replica_fires_PrometheusReplicasDisagree_until_its_config_is_restored()
    {
        const string alert = "PrometheusReplicasDisagree";
        var alreadyThere = NotificationInbox.Read(Stack.InboxDirectory).Count;

        // The fault: a config rollout that reached one replica only. Replica b's own config (each replica has one; they
        // differ only in the replica label) loses one Alertmanager target and is reloaded with SIGHUP, as Prometheus is
        // reloaded in production; replica a keeps all three. Neither replica is down, so no other alert explains it.
        var drifted = Stack.Prometheuses[1];
        var configFile = Stack.Renderer.PrometheusConfigOf(drifted.Name);
        var original = File.ReadAllText(configFile);
        var config = Yaml.Load(configFile);
        var targets = config.Seq("scrape_configs")!.Children.OfType<YamlMappingNode>().Single(j => j.Text("job_name") == "alertmanager")
            .Seq("static_configs")!.Children.OfType<YamlMappingNode>().Single().Seq("targets")!;
        Assert.Equal(Stack.Alertmanagers.Count, targets.Children.Count);
        var dropped = ((YamlScalarNode)targets.Children[^1]).Value;
        targets.Children.RemoveAt(targets.Children.Count - 1);
        Yaml.Save(config, configFile);
        Reload(drifted);
        var drift = Stopwatch.StartNew();
        try
        {
            // Applied: the drifted replica's own scrape pool holds one target fewer.
            await Eventually.HoldsAsync(Interval + Interval + Margin, async () =>
                await ScrapePoolTargetsAsync(drifted, "alertmanager") == Stack.Alertmanagers.Count - 1 ? null : $"{drifted.Name} has not applied its reloaded config (still scrapes {dropped})");
            Report.Line(output, $"{drifted.Name} reloaded without {dropped} ({drift.Elapsed.TotalSeconds:F1} s)");

            // Each replica scrapes both, so both see the difference a scrape later and fire `for` (shortened) after it.
            await FiringOnEveryReplicaAsync(alert, "scrape_job", "alertmanager", Interval + Interval + AlertFor(alert) + Interval + Margin);

            Report.Line(output, $"{alert} firing for scrape_job alertmanager on both replicas {drift.Elapsed.TotalSeconds:F1} s after the reload");

            // Nothing inhibits it: every member holds it active, and the warning route's receiver gets it.
            foreach (var member in Stack.Alertmanagers)
            {
                await Eventually.HoldsAsync(Interval + Margin, async () =>
                {
                    var alerts = await Http.GetFromJsonAsync<JsonElement>($"{member.Url}/api/v2/alerts?filter=alertname%3D%22{alert}%22");
                    return alerts.EnumerateArray().Any(a => a.GetProperty("status").GetProperty("state").GetString() == "active")
                        ? null : $"{member.Name} does not hold {alert} active";
                });
            }

            var (receiver, groupWait) = await RouteForAsync(alert, "warning");
            await DeliveredAsync(alert, alreadyThere, receiver, groupWait + Alertmanager.PeerTimeout * (Stack.Alertmanagers.Count - 1) + Interval + Margin);
            Report.Line(output, $"{alert} notified to {receiver} {drift.Elapsed.TotalSeconds:F1} s after the reload (group_wait {groupWait.TotalSeconds:F0} s)");
        }
        finally
        {
            File.WriteAllText(configFile, original);
            Reload(drifted);
        }

        // Restored: both replicas scrape all members again, and the next evaluations drop the alert.
        var restored = Stopwatch.StartNew();
        await Eventually.HoldsAsync(Interval + Interval + Margin, async () =>
            await ScrapePoolTargetsAsync(drifted, "alertmanager") == Stack.Alertmanagers.Count ? null : $"{drifted.Name} has not applied its restored config");
        await GoneFromEveryReplicaAsync(alert, Interval + Interval + Interval + Margin);

        Report.Line(output, $"{alert} gone on both replicas {restored.Elapsed.TotalSeconds:F1} s after the config was restored");
    }

    [Fact, Step(Order = 12)]
    public async Task Two_hung_Alertmanager_members_fire_AlertmanagerClusterGossipFailing_for_the_one_left_until_they_resume()
    {
        const string alert = "AlertmanagerClusterGossipFailing";
        var alreadyThere = NotificationInbox.Read(Stack.InboxDirectory).Count;

        // The fault: two members hang (SIGSTOP keeps their sockets open and answers nothing), as a partitioned or
        // frozen host looks to the third. The survivor's probes then go unanswered, directly and through the other
        // (also hung) peer, so gossip's own health score rises above 0 and stays there while it is alone.
        var survivor = Stack.Alertmanager;
        var hung = Stack.Alertmanagers.Where(m => m.Name != survivor.Name).Select(m => ComponentControl.Running(Location.Paths, m.Name)!.Identity).ToList();
        var survivorInstance = $"127.0.0.1:{Location.Ports[survivor.Name]}";
        hung.ForEach(p => ProcessTree.Signal(p, ProcessSignal.Stop));
        var frozen = Stopwatch.StartNew();
        try
        {
            // Gossip declares the hung members suspect, then dead, within a few probe intervals; a scrape later both
            // replicas see the score, and `for` (shortened) after that they fire.
            await FiringOnEveryReplicaAsync(alert, "instance", survivorInstance, Alertmanager.PeerTimeout + Interval + Interval + AlertFor(alert) + Interval + Margin);

            Report.Line(output, $"{alert} firing for {survivor.Name} on both replicas {frozen.Elapsed.TotalSeconds:F1} s after two members hung");

            // The survivor, alone in its cluster, notifies the warning route's receiver itself.
            var (receiver, groupWait) = await RouteForAsync(alert, "warning");
            await DeliveredAsync(alert, alreadyThere, receiver, groupWait + Interval + Margin);
            Report.Line(output, $"{alert} notified to {receiver} by the surviving member {frozen.Elapsed.TotalSeconds:F1} s after two members hung (group_wait {groupWait.TotalSeconds:F0} s)");
        }
        finally
        {
            hung.ForEach(p => ProcessTree.Signal(p, ProcessSignal.Continue));
        }

        // Resumed: the members refute their death and rejoin, the score falls back to 0 within seconds, and a scrape and
        // an evaluation later the alert is gone.
        var resumed = Stopwatch.StartNew();
        await SeesEveryMemberAsync(survivor);
        await GoneFromEveryReplicaAsync(alert, Alertmanager.PeerTimeout + Interval + Interval + Margin);

        Report.Line(output, $"{alert} gone on both replicas {resumed.Elapsed.TotalSeconds:F1} s after the members resumed");
    }

    [Fact, Step(Order = 13)]
    public async Task Backup_snapshots_each_replica_into_its_own_verified_folder()
    {
        var watch = Stopwatch.StartNew();
        var (exit, data, messages) = await InvokeJsonAsync("backup");
        Assert.True(exit == 0, messages);
        var folder = data.GetProperty("folder").GetString()!;
        Assert.Equal([ServiceNames.Prometheus, ServiceNames.PrometheusB], Directory.EnumerateDirectories(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var replicas = data.GetProperty("replicas").EnumerateArray().ToList();
        Assert.Equal([ServiceNames.Prometheus, ServiceNames.PrometheusB], replicas.Select(r => r.GetProperty("service").GetString()));
        foreach (var replica in replicas)
        {
            var service = replica.GetProperty("service").GetString()!;
            Assert.True(replica.GetProperty("verified").GetBoolean(), $"{service}: {replica.GetProperty("reason")}");
            Assert.Equal(Path.Combine(folder, service), replica.GetProperty("folder").GetString());
            // Opened again here with the real promtool: each copy is a TSDB of its own that holds samples.
            await BackupCommand.VerifyAsync(Path.Combine(folder, service), CancellationToken.None);
        }

        Assert.DoesNotContain("\"warn\"", messages, StringComparison.Ordinal);
        Report.Line(output, $"backup of both replicas into {folder} in {watch.Elapsed.TotalSeconds:F1} s: {string.Join("; ", replicas.Select(r => $"{r.GetProperty("service").GetString()} {r.GetProperty("blocks")} block(s), {r.GetProperty("samples")} samples, {r.GetProperty("bytes").GetInt64() / 1024} KiB"))}");
    }

    [Fact, Step(Order = 14)]
    public async Task Backup_with_replica_a_hung_backs_up_replica_b_and_warns_without_waiting_for_a()
    {
        var hung = ComponentControl.Running(Location.Paths, ServiceNames.Prometheus)!;
        ProcessTree.Signal(hung.Identity, ProcessSignal.Stop);
        var watch = Stopwatch.StartNew();
        (int Exit, JsonElement Data, string Messages) backup;
        try
        {
            backup = await InvokeJsonAsync("backup");
        }
        finally
        {
            ProcessTree.Signal(hung.Identity, ProcessSignal.Continue);
        }

        var took = watch.Elapsed;
        Report.Line(output, $"backup with prometheus (replica a) stopped by SIGSTOP: exit {backup.Exit} after {took.TotalSeconds:F1} s");
        Assert.True(backup.Exit == 0, backup.Messages);
        var replicas = backup.Data.GetProperty("replicas").EnumerateArray().ToDictionary(r => r.GetProperty("service").GetString()!);
        Assert.False(replicas[ServiceNames.Prometheus].GetProperty("verified").GetBoolean());
        Assert.Contains("stopped", replicas[ServiceNames.Prometheus].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(replicas[ServiceNames.PrometheusB].GetProperty("verified").GetBoolean(), backup.Messages);
        Assert.True(Directory.Exists(replicas[ServiceNames.PrometheusB].GetProperty("folder").GetString()));
        Assert.False(Directory.Exists(Path.Combine(backup.Data.GetProperty("folder").GetString()!, ServiceNames.Prometheus)), "a folder for the replica that was not backed up");
        using var document = JsonDocument.Parse(backup.Messages);
        var warning = Assert.Single(document.RootElement.EnumerateArray(), m => m.GetProperty("level").GetString() == "warn");
        Assert.StartsWith($"{ServiceNames.Prometheus} not backed up", warning.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("kill -CONT", warning.GetProperty("hint").GetString(), StringComparison.Ordinal);
        // The hung replica cost one readiness probe, not the HTTP timeout (30 s) of a snapshot call it never answers.
        Assert.True(took < TimeSpan.FromSeconds(25), $"backup took {took.TotalSeconds:F1} s with a hung replica");

        // Resumed, it answers again for the steps after this one.
        await Eventually.HoldsAsync(Interval + Margin, async () =>
            await Stack.Prometheus.Spec.Readiness!.CheckWithinAsync(ReadinessProbe.ReportTimeout, CancellationToken.None) ? null : "prometheus is not ready after SIGCONT");
    }

    [Fact, Step(Order = 15)]
    public async Task Cleanup_with_an_age_bound_deletes_the_older_samples_on_both_replicas_and_leaves_VictoriaMetrics_whole()
    {
        // Still scraped, so every store holds samples on both sides of the end time.
        const string selector = CleanedSeries;
        var age = Interval * 3;
        await Task.Delay(age + Interval + Stack.VictoriaMetrics!.LatencyOffset + RemoteWriteDeadline); // samples older than the age in every store
        var ageFlag = $"{(int)age.TotalSeconds}s";

        // A dry run deletes nothing.
        var dry = await InvokeJsonAsync("cleanup", "--match", selector, "--older-than", ageFlag, "--dry-run");
        Assert.True(dry.Exit == 0, dry.Messages);
        var dryEnd = End(dry.Data);
        Assert.True(await new PrometheusClient(Location.Url(ServiceNames.PrometheusB)).CountSeriesWithSamplesAsync(selector, dryEnd) > 0, "the dry run deleted on prometheus-b");

        var (exit, data, messages) = await InvokeJsonAsync("cleanup", "--match", selector, "--older-than", ageFlag);
        Assert.True(exit == 0, messages);
        var end = End(data);
        foreach (var replica in Stack.Prometheuses)
        {
            var client = new PrometheusClient(replica.Url);
            Assert.True(await client.CountSeriesWithSamplesAsync(selector, end) == 0, $"{replica.Name} still holds samples before {end:u}");
            // Only what was older than the age: the newer samples are still there.
            Assert.True(await client.CountSeriesWithSamplesAsync(selector, DateTimeOffset.UtcNow, after: end) > 0, $"{replica.Name} lost samples newer than {end:u}");
        }

        // VictoriaMetrics would delete whole series, newer samples included: it keeps them, and the report says so.
        Assert.True(await VictoriaMetrics.CountSeriesWithSamplesAsync(selector, end, uncached: true) > 0, "VictoriaMetrics lost the series");

        // The dry run listed every store with its count; the cleanup says what it did on each.
        var counted = Targets(dry.Data);
        Assert.Equal([ServiceNames.Prometheus, ServiceNames.PrometheusB, ServiceNames.VictoriaMetrics], counted.Keys);
        Assert.All(counted.Values, t => Assert.True(t.GetProperty("matching_series").GetInt32() > 0, t.ToString()));
        Assert.Equal("skipped", counted[ServiceNames.VictoriaMetrics].GetProperty("state").GetString());
        var targets = Targets(data);
        Assert.All(Stack.Prometheuses, replica => Assert.Equal("deleted", targets[replica.Name].GetProperty("state").GetString()));
        Assert.Equal("skipped", targets[ServiceNames.VictoriaMetrics].GetProperty("state").GetString());
        Assert.Contains("\"warn\"", messages, StringComparison.Ordinal);
        Assert.Contains("--older-than 0s", messages, StringComparison.Ordinal);
        Report.Line(output, $"cleanup --older-than {ageFlag}: {string.Join("; ", targets.Select(t => $"{t.Key} {t.Value.GetProperty("state").GetString()} ({t.Value.GetProperty("matching_series")} matching)"))}");
    }

    [Fact, Step(Order = 16)]
    public async Task Cleanup_of_everything_removes_the_series_from_both_replicas_and_VictoriaMetrics()
    {
        const string selector = CleanedSeries;
        var watch = Stopwatch.StartNew();
        var (exit, data, messages) = await InvokeJsonAsync("cleanup", "--match", selector, "--older-than", "0s");
        Report.Line(output, $"cleanup --older-than 0s: exit {exit} in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(exit == 0, messages);
        var end = End(data);
        // Asked of each store itself, and again once whatever the replicas' remote_write still held has arrived: no
        // sample stamped before the end time comes back.
        foreach (var wait in (TimeSpan[])[TimeSpan.Zero, RemoteWriteDeadline + Interval + Stack.VictoriaMetrics!.LatencyOffset])
        {
            await Task.Delay(wait);
            foreach (var replica in Stack.Prometheuses)
            {
                Assert.True(await new PrometheusClient(replica.Url).CountSeriesWithSamplesAsync(selector, end) == 0, $"{replica.Name} still holds samples before {end:u}");
            }

            Assert.True(await VictoriaMetrics.CountSeriesWithSamplesAsync(selector, end, uncached: true) == 0, $"VictoriaMetrics still holds samples before {end:u} ({wait.TotalSeconds:F0} s after the cleanup)");
        }

        var targets = Targets(data);
        Assert.Equal([ServiceNames.Prometheus, ServiceNames.PrometheusB, ServiceNames.VictoriaMetrics], targets.Keys);
        Assert.All(targets.Values, t => Assert.Equal("deleted", t.GetProperty("state").GetString()));
        Assert.All(targets.Values, t => Assert.Equal(0, t.GetProperty("series_left").GetInt32()));
    }

    /// <summary>The series the cleanup steps delete: scraped all along, and read by no alert or other step.</summary>
    private const string CleanedSeries = "scrape_samples_scraped{job=\"node\"}";

    /// <summary>Runs <paramref name="verb"/> with <c>--json</c> on this stack; its exit, <c>data</c> and <c>messages</c> (as JSON text).</summary>
    private async Task<(int Exit, JsonElement Data, string Messages)> InvokeJsonAsync(string verb, params string[] arguments)
    {
        var (exit, text, _) = await VerbInvoker.InvokeSplitAsync([verb, .. arguments, "--json", "--state-dir", Location.Paths.Root]);
        var root = JsonDocument.Parse(text).RootElement;
        return (exit, root.GetProperty("data").Clone(), root.GetProperty("messages").GetRawText());
    }

    /// <summary>cleanup's <c>targets</c>, by service, in the order reported.</summary>
    private static Dictionary<string, JsonElement> Targets(JsonElement data) =>
        data.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("service").GetString()!);

    /// <summary>cleanup's end time.</summary>
    private static DateTimeOffset End(JsonElement data) => DateTimeOffset.Parse(data.GetProperty("end").GetString()!, CultureInfo.InvariantCulture);

    /// <summary>Waits up to <paramref name="within"/> until each replica fires exactly one <paramref name="alert"/> whose <paramref name="label"/> is <paramref name="value"/>.</summary>
    private async Task FiringOnEveryReplicaAsync(string alert, string label, string value, TimeSpan within)
    {
        foreach (var replica in Stack.Prometheuses)
        {
            await Eventually.HoldsAsync(within, async () =>
                (await new PrometheusClient(replica.Url).QueryAsync($"ALERTS{{alertname=\"{alert}\",alertstate=\"firing\",{label}=\"{value}\"}}")).GetArrayLength() == 1
                    ? null : $"{replica.Name} does not fire {alert} for {label}={value}");
        }
    }

    /// <summary>Waits up to <paramref name="within"/> (per replica) until no replica holds <paramref name="alert"/>, pending or firing.</summary>
    private async Task GoneFromEveryReplicaAsync(string alert, TimeSpan within)
    {
        foreach (var replica in Stack.Prometheuses)
        {
            await Eventually.HoldsAsync(within, async () =>
                (await new PrometheusClient(replica.Url).QueryAsync($"ALERTS{{alertname=\"{alert}\"}}")).GetArrayLength() == 0 ? null : $"{replica.Name} still holds {alert}");
        }
    }

    /// <summary>Waits up to <paramref name="within"/> for a firing <paramref name="alert"/> notification to <paramref name="receiver"/> after the first <paramref name="alreadyThere"/> inbox entries.</summary>
    private Task DeliveredAsync(string alert, int alreadyThere, string receiver, TimeSpan within) =>
        Eventually.HoldsAsync(within, () =>
            Task.FromResult(Firing(alert, alreadyThere).Any(n => n["receiver"]?.GetValue<string>() == receiver) ? null : $"no firing {alert} notification for {receiver} in the inbox"));

    /// <summary>Waits one peer timeout (and the margin) until <paramref name="member"/> counts every member of the cluster as its peer.</summary>
    private Task SeesEveryMemberAsync(Alertmanager member) =>
        Eventually.HoldsAsync(Alertmanager.PeerTimeout + Margin, async () =>
            (await Http.GetFromJsonAsync<JsonElement>(member.Url + "/api/v2/status")).GetProperty("cluster").GetProperty("peers").GetArrayLength() == Stack.Alertmanagers.Count
                ? null : $"{member.Name} does not see all {Stack.Alertmanagers.Count} members");

    /// <summary>Asks <paramref name="replica"/> to re-read its configuration (SIGHUP, as <c>kill -HUP</c> does in production).</summary>
    private void Reload(Prometheus replica)
    {
        var record = ComponentControl.Running(Location.Paths, replica.Name) ?? throw new InvalidOperationException($"{replica.Name} is not running");
        ProcessTree.Signal(record.Identity, ProcessSignal.Hangup);
    }

    /// <summary>How many targets <paramref name="replica"/> itself has in <paramref name="scrapeJob"/>'s pool (its own /metrics, no scrape needed).</summary>
    private static async Task<int> ScrapePoolTargetsAsync(Prometheus replica, string scrapeJob)
    {
        var text = await Http.GetStringAsync(replica.Url + "/metrics");
        var pool = ExpositionSamples.Read(text).FirstOrDefault(s => s.Name == "prometheus_target_scrape_pool_targets" && s.Label("scrape_job") == scrapeJob);
        return pool is null ? -1 : (int)pool.Value;
    }

    /// <summary>
    /// Waits up to <paramref name="deliveredWithin"/> (since <paramref name="since"/>) for a firing notification of
    /// <paramref name="alert"/>; checks both replicas fire it and each of <paramref name="members"/> holds it without
    /// the replica label; then, once every later cluster position has had its peer timeout, that
    /// <paramref name="receiver"/> got it and each (receiver, group) exactly once.
    /// </summary>
    private async Task NotifiedOnceAsync(string alert, int alreadyThere, Stopwatch since, TimeSpan deliveredWithin, IReadOnlyList<Alertmanager> members, string receiver)
    {
        var once = await NotifiedAsync(alert, alreadyThere, since, deliveredWithin, members, receiver);
        await once();
    }

    /// <summary>
    /// <see cref="NotifiedOnceAsync"/> up to its last check, which it returns: the caller may wait for something else
    /// first (the check itself waits out whatever is left of the cluster positions' peer timeouts, counted from the
    /// members' check, so it proves the same whenever it is called).
    /// </summary>
    private async Task<Func<Task>> NotifiedAsync(string alert, int alreadyThere, Stopwatch since, TimeSpan deliveredWithin, IReadOnlyList<Alertmanager> members, string receiver)
    {
        await Eventually.HoldsAsync(deliveredWithin, () => Task.FromResult(Firing(alert, alreadyThere).Count > 0 ? null : $"no firing {alert} notification in the inbox"));
        Report.Line(output, $"{alert} notified {since.Elapsed.TotalSeconds:F1} s after its fault began (limit {deliveredWithin.TotalSeconds:F0} s)");

        // Both replicas fire it — the replicas evaluate at their own offsets, so the second may follow up to one
        // evaluation interval later — and every member holds it (each replica sends to every member).
        foreach (var replica in Stack.Prometheuses)
        {
            await Eventually.HoldsAsync(Interval + Margin, async () =>
                (await new PrometheusClient(replica.Url).QueryAsync($"ALERTS{{alertname=\"{alert}\",alertstate=\"firing\"}}")).GetArrayLength() > 0
                    ? null : $"{replica.Name} does not fire {alert}");
        }

        Report.Line(output, $"{alert} firing in both replicas {since.Elapsed.TotalSeconds:F1} s after its fault began");
        foreach (var member in members)
        {
            var alerts = await Http.GetFromJsonAsync<JsonElement>($"{member.Url}/api/v2/alerts?filter=alertname%3D%22{alert}%22");
            Assert.True(alerts.GetArrayLength() > 0, $"{member.Name} has no {alert}");
            Assert.All(alerts.EnumerateArray(), a => Assert.False(a.GetProperty("labels").TryGetProperty(ConfigRenderer.ReplicaLabel, out _), "an alert still carries the replica label"));
        }

        // A member that did not see the first one's notification log would notify one peer timeout per position later
        // (counted from the later replica's alert, which reached it last): after the last position has passed, there
        // must still be exactly one notification per receiver and group.
        var positionsPassed = Stopwatch.StartNew();
        var positions = Alertmanager.PeerTimeout * (Stack.Alertmanagers.Count - 1) + Margin;
        return async () =>
        {
            if (positions - positionsPassed.Elapsed is { Ticks: > 0 } left)
            {
                await Task.Delay(left);
            }

            var notifications = Firing(alert, alreadyThere);
            var perGroup = notifications.GroupBy(n => (Receiver: n["receiver"]!.GetValue<string>(), Group: n["payload"]!["groupKey"]!.GetValue<string>())).ToList();
            Report.Line(output, $"{alert}: {notifications.Count} firing notification(s) in {perGroup.Count} (receiver, group) pair(s) {positionsPassed.Elapsed.TotalSeconds:F0} s after every member held it: {string.Join("; ", perGroup.Select(g => $"{g.Key.Receiver} ×{g.Count()}"))}");
            Assert.Contains(perGroup, g => g.Key.Receiver == receiver);
            Assert.All(perGroup, g => Assert.True(g.Count() == 1, $"{g.Key.Receiver} got {g.Count()} notifications for group {g.Key.Group}"));
        };
    }

    private StackLocation Location => ha.Location;

    /// <summary>The instances for which <paramref name="replica"/> holds AlertmanagerClusterMembersMissing (pending or firing), sorted.</summary>
    private static async Task<List<string>> MissingMembersAsync(Prometheus replica, string? state = null) =>
        [.. (await new PrometheusClient(replica.Url).QueryAsync(state is null
                ? $"ALERTS{{alertname=\"{MembersMissing}\"}}"
                : $"ALERTS{{alertname=\"{MembersMissing}\",alertstate=\"{state}\"}}")).EnumerateArray()
            .Select(s => s.GetProperty("metric").GetProperty("instance").GetString()!).Order(StringComparer.Ordinal)];

    /// <summary>The firing notifications of <paramref name="alert"/> that arrived after the first <paramref name="skip"/> inbox entries.</summary>
    private List<JsonNode> Firing(string alert, int skip) =>
        [.. NotificationInbox.Read(Stack.InboxDirectory).Skip(skip).Where(n => n["payload"]?["status"]?.GetValue<string>() == "firing"
            && n["payload"]?["alerts"]?.AsArray().Any(a => a?["labels"]?["alertname"]?.GetValue<string>() == alert) == true)];

    /// <summary>Sends <paramref name="count"/> GETs of <see cref="Endpoint"/> through the frontend; each must succeed.</summary>
    private async Task SendAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var response = await Http.GetAsync(Location.Url(ServiceNames.Frontend) + Endpoint + "/");
            Assert.True(response.IsSuccessStatusCode, $"request {i + 1} through the frontend answered {(int)response.StatusCode}");
        }
    }

    /// <summary>Each running instance's own count of <see cref="Endpoint"/> requests, read from its exposition (by instance address).</summary>
    private async Task<Dictionary<string, double>> DirectCountsAsync()
    {
        var counts = new Dictionary<string, double>();
        foreach (var name in Stack.Topology.BackendNames)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Location.Url(name) + "/api/system/metrics/prometheus/");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stack.ScrapeToken);
            using var response = await Http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            counts[$"127.0.0.1:{Location.Ports[name]}"] = ExpositionSamples.Read(await response.Content.ReadAsStringAsync())
                .Where(s => s.Name == "thebot_http_requests_total" && s.Label("endpoint") == Endpoint)
                .Sum(s => s.Value);
        }

        return counts;
    }

    private async Task<Dictionary<string, double>> StoredAsync(string query) =>
        (await VictoriaMetrics.QueryAsync(query)).EnumerateArray().ToDictionary(
            s => s.GetProperty("metric").GetProperty("instance").GetString()!,
            s => double.Parse(s.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));

    /// <summary>Equal per instance, where an instance without requests yet may have no series at all.</summary>
    private static bool Same(Dictionary<string, double> stored, Dictionary<string, double> direct) =>
        direct.All(p => stored.GetValueOrDefault(p.Key) == p.Value) && stored.Keys.All(direct.ContainsKey);

    private static string Describe(Dictionary<string, double> counts) => "{" + string.Join(", ", counts.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")) + "}";

    /// <summary>process_start_time_seconds of job prometheus (both replicas) as <paramref name="replica"/> scraped it, by instance.</summary>
    private static async Task<Dictionary<string, string>> StartTimesAsync(Prometheus replica) =>
        (await new PrometheusClient(replica.Url).QueryAsync("process_start_time_seconds{job=\"prometheus\"}")).EnumerateArray().ToDictionary(
            s => s.GetProperty("metric").GetProperty("instance").GetString()!, s => s.GetProperty("value")[1].GetString()!);

    /// <summary>The <c>for</c> of <paramref name="alert"/> this stack runs: the committed one, or the fixture's shortened one.</summary>
    private TimeSpan AlertFor(string alert) =>
        HaStackFixture.ShortenedFor.TryGetValue(alert, out var shortened) ? shortened : PrometheusDuration.Parse(AlertRule(alert).Text("for") ?? "0s");

    /// <summary>The number of the committed expression's final <c>&gt; N</c> comparison.</summary>
    private double AlertThreshold(string alert) =>
        double.Parse(System.Text.RegularExpressions.Regex.Match(AlertRule(alert).Text("expr")!, @">\s*([0-9.]+)\s*$").Groups[1].Value, CultureInfo.InvariantCulture);

    private YamlMappingNode AlertRule(string alert) =>
        Yaml.Load(Path.Combine(Stack.Renderer.Monitoring, "prometheus", "alert_rules.yml")).Seq("groups")!.Children.OfType<YamlMappingNode>()
            .SelectMany(g => g.Seq("rules")!.Children.OfType<YamlMappingNode>()).Single(r => r.Text("alert") == alert);

    /// <summary>
    /// Samples per series of <paramref name="selector"/> in the window (<paramref name="from"/>, <paramref name="until"/>]
    /// as the Prometheus-API server at <paramref name="url"/> holds them (count_over_time at a fixed time), keyed by
    /// the series' labels apart from the external ones that only remote_write adds.
    /// </summary>
    private async Task<Dictionary<string, long>> SampleCountsAsync(string url, string selector, DateTimeOffset from, DateTimeOffset until)
    {
        var external = Yaml.Load(Path.Combine(Stack.Renderer.Monitoring, "prometheus", "prometheus.yml")).Map("global")?.Map("external_labels")?.Children.Keys
            .OfType<YamlScalarNode>().Select(k => k.Value!).Append(ConfigRenderer.ReplicaLabel).Append("__name__").ToHashSet() ?? [];
        var query = $"count_over_time({selector}[{(long)(until - from).TotalSeconds}s])";
        var result = await new PrometheusClient(url).GetAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}&time={until.ToUnixTimeSeconds()}");
        return result.GetProperty("data").GetProperty("result").EnumerateArray().ToDictionary(
            s => string.Join(",", s.GetProperty("metric").EnumerateObject().Where(l => !external.Contains(l.Name)).Select(l => $"{l.Name}={l.Value.GetString()}").Order(StringComparer.Ordinal)),
            s => long.Parse(s.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));
    }

    private static string DescribeCounts(Dictionary<string, long> counts) => "{" + string.Join("; ", counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}")) + "}";

    /// <summary><paramref name="time"/> rounded down to a multiple of the scrape (and dedup) interval since the epoch.</summary>
    private DateTimeOffset AlignDown(DateTimeOffset time)
    {
        var every = (long)Interval.TotalMilliseconds;
        var millis = time.ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(millis - (millis % every));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// The receiver and group_wait of <paramref name="alert"/> at <paramref name="severity"/> as the members route it:
    /// amtool on the rendered alertmanager.yml (the committed routes, the warning one with <see cref="HaWarningWait"/>'s
    /// group_wait).
    /// </summary>
    private Task<(string Receiver, TimeSpan GroupWait)> RouteForAsync(string alert, string severity) =>
        HaWarningWait.RouteForAsync(Stack.Renderer.AlertmanagerConfig, alert, severity);
}
