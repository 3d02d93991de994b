using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TheBot.Cli.Clients;
using TheBot.Cli.Commands;
using TheBot.Cli.Config;
using TheBot.Cli.Inbox;
using TheBot.Cli.Stack;
using TheBot.Stack;
using TheBot.Stack.Components;
using TheBot.Testing;
using Xunit;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Tests;

/// <summary>
/// Issue 11, the HA topology really run (<c>up --topology ha</c>, real processes on loopback): scaling 2 → 3 backends
/// by discovery without restarting Prometheus; request counts through the frontend add up exactly in VictoriaMetrics
/// across the instances and the two replicas; a critical alert both replicas fire reaches its receiver once per group
/// through the three-member Alertmanager cluster. Steps run in order on one stack (each needs the previous state).
/// Every wait is derived from what it waits for: the scrape interval, remote_write's send deadline,
/// VictoriaMetrics' query latency offset, the alert's <c>for</c>, the route's <c>group_wait</c> and the cluster's
/// peer timeout.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Stack)]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
[Collection(TemporaryStack.Collection)]
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

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private const string Endpoint = "/api/courses";

    private LocalStack Stack => ha.Stack;

    private TimeSpan Interval => Stack.ScrapeInterval;

    private PrometheusClient VictoriaMetrics => new(Stack.VictoriaMetrics!.Url);

    [Fact, Step(Order = 1)]
    public async Task Up_starts_every_member_and_each_replica_scrapes_all_of_them()
    {
        Report.Line(output, $"up --topology ha --backends 2: {ha.UpTime.TotalSeconds:F1} s (build included)");
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
    public async Task A_critical_alert_both_replicas_fire_reaches_each_receiver_once_per_group()
    {
        const string alert = "BackendServiceDown";
        var forDuration = AlertFor(alert);
        var (receiver, groupWait) = CriticalRoute();
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

    [Fact, Step(Order = 6)]
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

        // Raw samples after dedup (/api/v1/export, no query-time lookback that could paper over a hole): one per scrape
        // interval from the surviving replica across the whole outage.
        var until = restartedAt + Interval;
        var visibleWithin = Interval + RemoteWriteDeadline + Stack.VictoriaMetrics!.LatencyOffset + Margin;
        await Task.Delay(until - DateTimeOffset.UtcNow + visibleWithin);
        var exported = await Http.GetStringAsync($"{Stack.VictoriaMetrics.Url}/api/v1/export?match[]={Uri.EscapeDataString(series)}&start={from.ToUnixTimeSeconds()}&end={until.ToUnixTimeSeconds()}");
        var timestamps = exported.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(line => JsonNode.Parse(line)!["timestamps"]!.AsArray().Select(t => t!.GetValue<long>())).Order().ToList();
        var widest = timestamps.Zip(timestamps.Skip(1), (a, b) => b - a).DefaultIfEmpty(long.MaxValue).Max();
        Report.Line(output, $"prometheus-b SIGKILLed for {outage.TotalSeconds:F0} s: {timestamps.Count} samples of {series} in VictoriaMetrics over {(until - from).TotalSeconds:F0} s, widest step {widest} ms (scrape interval {Interval.TotalMilliseconds} ms)");
        Assert.True(timestamps.Count >= (int)((until - from) / Interval) - 1, $"only {timestamps.Count} samples over {(until - from).TotalSeconds:F0} s");
        Assert.True(widest < Interval.TotalMilliseconds * 1.5, $"a gap of {widest} ms in {series} (scrape interval {Interval.TotalMilliseconds} ms)");

        // The restarted replica scrapes again.
        await Eventually.HoldsAsync(DiscoveryThrottle + Interval + Margin, async () =>
            (await new PrometheusClient(Location.Url(ServiceNames.PrometheusB)).QueryAsync($"{series} == 1")).GetArrayLength() == 1 ? null : "prometheus-b has not scraped node again");
    }

    [Fact, Step(Order = 7)]
    public async Task After_SIGKILL_of_one_Alertmanager_member_the_next_alert_is_still_delivered_once()
    {
        const string alert = "FrontendServiceDown";
        var forDuration = AlertFor(alert);
        var (receiver, groupWait) = CriticalRoute();
        var alreadyThere = NotificationInbox.Read(Stack.InboxDirectory).Count;

        // One member is gone without a goodbye (which cluster position it held depends on its random peer name).
        var victim = Stack.Alertmanager;
        Process.GetProcessById(ComponentControl.Running(Location.Paths, victim.Name)!.Pid).Kill();
        Assert.Equal(0, await ComponentCommand.RunAsync(Location, "stop", ServiceNames.Frontend, TextWriter.Null, CancellationToken.None));
        var stopped = Stopwatch.StartNew();

        // As before, plus one peer timeout: should gossip not yet have declared the killed member dead, a survivor that
        // still counts it ahead of itself waits one position before notifying.
        var survivors = Stack.Alertmanagers.Where(m => m.Name != victim.Name).ToList();
        await NotifiedOnceAsync(alert, alreadyThere, stopped, Interval + Interval + forDuration + Interval + groupWait + Alertmanager.PeerTimeout + Margin, survivors, receiver);

        // The member restarts from up's spec and rejoins the cluster.
        Assert.Equal(0, await ComponentCommand.RunAsync(Location, "start", victim.Name, TextWriter.Null, CancellationToken.None));
        await Eventually.HoldsAsync(Alertmanager.PeerTimeout + Margin, async () =>
            (await Http.GetFromJsonAsync<JsonElement>(victim.Url + "/api/v2/status")).GetProperty("cluster").GetProperty("peers").GetArrayLength() == Stack.Alertmanagers.Count
                ? null : $"{victim.Name} has not rejoined all {Stack.Alertmanagers.Count} members");
    }

    /// <summary>
    /// Waits up to <paramref name="deliveredWithin"/> (since <paramref name="since"/>) for a firing notification of
    /// <paramref name="alert"/>; checks both replicas fire it and each of <paramref name="members"/> holds it without
    /// the replica label; then, once every later cluster position has had its peer timeout, that
    /// <paramref name="receiver"/> got it and each (receiver, group) exactly once.
    /// </summary>
    private async Task NotifiedOnceAsync(string alert, int alreadyThere, Stopwatch since, TimeSpan deliveredWithin, IReadOnlyList<Alertmanager> members, string receiver)
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
        await Task.Delay(Alertmanager.PeerTimeout * (Stack.Alertmanagers.Count - 1) + Margin);
        var notifications = Firing(alert, alreadyThere);
        var perGroup = notifications.GroupBy(n => (Receiver: n["receiver"]!.GetValue<string>(), Group: n["payload"]!["groupKey"]!.GetValue<string>())).ToList();
        Report.Line(output, $"{alert}: {notifications.Count} firing notification(s) in {perGroup.Count} (receiver, group) pair(s): {string.Join("; ", perGroup.Select(g => $"{g.Key.Receiver} ×{g.Count()}"))}");
        Assert.Contains(perGroup, g => g.Key.Receiver == receiver);
        Assert.All(perGroup, g => Assert.True(g.Count() == 1, $"{g.Key.Receiver} got {g.Count()} notifications for group {g.Key.Group}"));
    }

    private StackLocation Location => ha.Location;

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
            var lines = (await response.Content.ReadAsStringAsync()).Split('\n')
                .Where(l => l.StartsWith("thebot_http_requests_total{", StringComparison.Ordinal) && l.Contains($"endpoint=\"{Endpoint}\"", StringComparison.Ordinal));
            counts[$"127.0.0.1:{Location.Ports[name]}"] = lines.Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
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

    /// <summary>The committed <c>for</c> of <paramref name="alert"/> (monitoring/prometheus/alert_rules.yml).</summary>
    private TimeSpan AlertFor(string alert)
    {
        var rules = Yaml.Load(Path.Combine(Stack.Renderer.Monitoring, "prometheus", "alert_rules.yml"));
        var rule = rules.Seq("groups")!.Children.OfType<YamlMappingNode>().SelectMany(g => g.Seq("rules")!.Children.OfType<YamlMappingNode>())
            .Single(r => r.Text("alert") == alert);
        return PrometheusDuration.Parse(rule.Text("for") ?? "0s");
    }

    /// <summary>The receiver and group_wait of the committed route for severity="critical" (monitoring/alertmanager/alertmanager.yml).</summary>
    private (string Receiver, TimeSpan GroupWait) CriticalRoute()
    {
        var config = Yaml.Load(Path.Combine(Stack.Renderer.Monitoring, "alertmanager", "alertmanager.yml"));
        var root = config.Map("route")!;
        var route = root.Seq("routes")!.Children.OfType<YamlMappingNode>()
            .First(r => r.Seq("matchers")?.Children.OfType<YamlScalarNode>().Any(m => m.Value == "severity=\"critical\"") == true);
        return (route.Text("receiver")!, PrometheusDuration.Parse(route.Text("group_wait") ?? root.Text("group_wait") ?? "30s"));
    }
}
