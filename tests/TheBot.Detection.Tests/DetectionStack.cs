using System.Net.Http.Json;
using System.Text.Json;
using TheBot.Cli.Commands;
using TheBot.Cli.Load;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using TheBot.Testing.Sinks;

namespace TheBot.Detection.Tests;

/// <summary>
/// The real stack, started by <see cref="UpCommand.RunAsync"/> (the code behind <c>./thebot up --detach</c>) with a
/// time-compressed <see cref="DetectionCustomization"/>: rules from <see cref="TimeCompression"/>, and through the stack's
/// extension point (<see cref="DetectionCustomization"/>) the backend's fault switch on, compressed Alertmanager and
/// Prometheus timers, and the real-receivers path of alertmanager.yml (render-config.sh) pointed at local sinks for
/// Slack, PagerDuty, SMTP and webhooks. Faults are made on the real processes through their pid files; restarts go through
/// <see cref="ProcessSupervisor"/> with the same specs <c>up</c> uses.
/// </summary>
internal sealed class DetectionStack : IAsyncDisposable
{
    public const string SmtpUser = "alertmanager@thebot.example";

    /// <summary>
    /// How long the backend's database health check waits for a new physical connection before it counts the database
    /// as down: the product default of <c>Monitoring:Health:CheckTimeout</c>, which the detection profile leaves alone
    /// (part of BackendDatabaseUnreachable's floor when the postmaster hangs).
    /// </summary>
    public static TimeSpan DatabaseProbeTimeout => new TheBot.Monitoring.HealthThresholds().CheckTimeout;

    private readonly StringWriter _upOutput = new();
    private readonly Lazy<DetectionTiming> _timing;

    private DetectionStack(StackLocation location, DetectionCustomization customization, TimeCompression compression, IReadOnlyList<RuleChange> changes,
        NotificationLog log, HttpSinks http, SmtpSink smtp)
    {
        Location = location;
        Customization = customization;
        Compression = compression;
        Changes = changes;
        Log = log;
        Http = http;
        Smtp = smtp;
        Client = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        _timing = new Lazy<DetectionTiming>(() => DetectionTiming.Load(compression, new ConfigRenderer(location.RepositoryRoot, location.Paths).PrometheusConfig));
    }

    public StackLocation Location { get; }

    public DetectionCustomization Customization { get; }

    public TimeCompression Compression { get; }

    public IReadOnlyList<RuleChange> Changes { get; }

    public NotificationLog Log { get; }

    public HttpSinks Http { get; }

    public SmtpSink Smtp { get; }

    public HttpClient Client { get; }

    /// <summary>Every wait of the suites, derived from the rules and the configs this stack runs.</summary>
    public DetectionTiming Timing => _timing.Value;

    /// <summary>The backend's base URL.</summary>
    public Uri Backend => new(Url(ServiceNames.Backend));

    public StackPaths Paths => Location.Paths;

    public TimeSpan Interval => Customization.ScrapeInterval!.Value;

    public string UpOutput => _upOutput.ToString();

    public string Url(string service) => Location.Url(service);

    /// <summary>Creates sinks, writes the compressed rules and starts the stack (build included, as <c>up</c> does).</summary>
    public static async Task<DetectionStack> StartAsync(double factor, IReadOnlyDictionary<string, double> thresholds, CancellationToken cancellationToken)
    {
        await LeftoverStacks.SweepOnceAsync();
        var paths = StackPaths.CreateTemporary(LeftoverStacks.Prefix + "detection-");
        LeftoverStacks.Claim(paths);
        var ports = new PortPlan(0, PortPlan.Defaults.Keys.ToDictionary(k => k, _ => Ports.GetFree()));
        var location = new StackLocation(Repository.Root, paths, ports);

        var log = new NotificationLog();
        var routingKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var http = await HttpSinks.StartAsync(routingKey, log);
        var smtp = SmtpSink.Start(Path.Combine(paths.Root, "sinks"), SmtpUser, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)), log);

        var compression = new TimeCompression(factor, thresholds);
        var monitoring = Repository.PathOf("monitoring");
        var ruleDirectory = Path.Combine(paths.Root, "rules-compressed");
        var changes = compression.WriteRules(monitoring, ruleDirectory);
        var interval = compression.IntervalFor(monitoring);
        var receivers = new Dictionary<string, string>
        {
            ["SLACK_WEBHOOK_URL"] = http.SlackUrl,
            ["SLACK_OPS_WEBHOOK_URL"] = http.SlackOpsUrl,
            ["PAGERDUTY_SERVICE_KEY"] = routingKey,
            ["SMTP_HOST"] = "127.0.0.1",
            ["SMTP_PORT"] = $"{smtp.Port}",
            ["SMTP_USER"] = smtp.User,
            ["SMTP_PASSWORD"] = smtp.Password,
            ["ALERT_WEBHOOK_URL"] = http.WebhookUrl("default"),
            ["DEADMANS_SWITCH_URL"] = http.WebhookUrl("deadmans-switch"),
        };
        var customization = new DetectionCustomization(compression, receivers, http.PagerDutyUrl, smtp.CaFile, probeInterval: interval)
        {
            Environment = "Staging",
            ScrapeInterval = interval,
            RuleDirectory = ruleDirectory,
        };

        var stack = new DetectionStack(location, customization, compression, changes, log, http, smtp);
        var noBuild = Environment.GetEnvironmentVariable("THEBOT_DETECTION_NO_BUILD") == "1";
        var exit = await UpCommand.RunAsync(location, detach: true, noBuild, stack._upOutput, cancellationToken, customization);
        if (exit != 0)
        {
            await stack.DisposeAsync();
            throw new InvalidOperationException($"thebot up exited {exit}:\n{stack.UpOutput}");
        }

        return stack;
    }

    /// <summary>Stops a service the hard way (SIGKILL of its whole tree) or cleanly (its own stop signal).</summary>
    public async Task StopServiceAsync(string name, bool kill)
    {
        var record = ProcessSupervisor.ReadPidFiles(Paths).Single(r => r.Name == name && r.IsRunning);
        await ProcessTree.KillTreeAsync(record.Identity, kill ? ProcessSignal.Kill : record.StopSignal, TimeSpan.FromSeconds(record.StopGraceSeconds));
        File.Delete(Paths.PidFile(name));
    }

    /// <summary>Starts a stopped service again from the very spec <c>up</c> uses, and leaves it running detached.</summary>
    public async Task StartServiceAsync(string name)
    {
        var spec = new LocalStack(Location, Customization).Specs().Single(s => s.Name == name) with { DependsOn = [] };
        var supervisor = new ProcessSupervisor(Paths);
        await supervisor.StartAsync([spec]);
        supervisor.Detach();
    }

    /// <summary>The backend's health probe interval in this profile (<see cref="DetectionCustomization.ProbeInterval"/>).</summary>
    public TimeSpan ProbeInterval => Customization.ProbeInterval;

    /// <summary>SIGSTOP of a service (its root process, or its whole tree); dispose the result to SIGCONT it.</summary>
    public FrozenProcesses Freeze(string service, bool wholeTree) => FrozenProcesses.Freeze(Paths, service, wholeTree);

    /// <summary>
    /// Deletes the Redis keys matching <paramref name="pattern"/> (a KEYS glob: the test Redis holds a few hundred keys)
    /// with <c>redis-cli</c>; returns how many were deleted.
    /// </summary>
    public async Task<int> DeleteCacheKeysAsync(string pattern)
    {
        var result = await CommandRunner.RunAsync("redis-cli",
            ["-h", "127.0.0.1", "-p", $"{Location.Ports[ServiceNames.Redis]}", "--no-raw", "EVAL",
             "local keys = redis.call('KEYS', ARGV[1]) for _, key in ipairs(keys) do redis.call('DEL', key) end return #keys", "0", pattern],
            new CommandOptions { Timeout = TimeSpan.FromSeconds(10) });
        result.EnsureSuccess($"redis-cli EVAL (delete keys {pattern})");
        var text = result.StandardOutput.Trim();
        return int.Parse(text.StartsWith("(integer) ", StringComparison.Ordinal) ? text["(integer) ".Length..] : text, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Platform traffic until cancelled, in runs of <paramref name="chunk"/> (5 s by default), each counted into
    /// <paramref name="tally"/>. Each run first creates its users and courses, so a fault that slows every request needs
    /// long runs, or the setup would eat the traffic. A run whose setup fails (the database is down or hung) is counted
    /// as one <c>setup (failed)</c> and retried. <paramref name="setUp"/> is called each time a run's setup is done.
    /// </summary>
    public async Task LoadLoopAsync(int rps, double errorShare, CancellationToken cancellationToken, TimeSpan? chunk = null, StatusTally? tally = null,
        Action? setUp = null)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var result = await LoadAsync(chunk ?? TimeSpan.FromSeconds(5), rps, errorShare, chunk is null ? CancellationToken.None : cancellationToken, setUp);
                tally?.Add(result);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // The load's own setup fails (or times out) while the database is down or hung; keep sending until told to stop.
                tally?.Add("setup (failed)", 0, 0);
                await Task.Delay(500, CancellationToken.None);
            }
        }
    }

    /// <summary>Runs the platform traffic of <c>./thebot load</c> for <paramref name="duration"/>.</summary>
    public Task<LoadResult> LoadAsync(TimeSpan duration, int rps, double errorShare, CancellationToken cancellationToken = default, Action? setUp = null) =>
        new LoadGenerator(new LoadSettings(duration, rps, errorShare, new Uri(Url(ServiceNames.Backend)), new Uri(Url(ServiceNames.Frontend)), 42),
            TextWriter.Null, interactive: false).RunAsync(cancellationToken, setUp);

    public async Task SetFaultsAsync(int latencyMilliseconds, double errorRate, int slowQueryMilliseconds = 0)
    {
        using var response = await Client.PostAsJsonAsync($"{Url(ServiceNames.Backend)}/api/test/faults", new { latencyMilliseconds, errorRate, slowQueryMilliseconds });
        response.EnsureSuccessStatusCode();
    }

    public async Task ClearFaultsAsync()
    {
        using var response = await Client.DeleteAsync($"{Url(ServiceNames.Backend)}/api/test/faults");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Prometheus alerts in any of <paramref name="states"/> (firing by default; pending), by name, in one request.</summary>
    public async Task<IReadOnlyList<string>> PrometheusAlertsAsync(params string[] states)
    {
        var wanted = states.Length == 0 ? ["firing"] : states;
        var json = await Client.GetFromJsonAsync<JsonElement>($"{Url(ServiceNames.Prometheus)}/api/v1/alerts");
        return [.. json.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Where(a => wanted.Contains(a.GetProperty("state").GetString()))
            .Select(a => a.GetProperty("labels").GetProperty("alertname").GetString()!)];
    }

    /// <summary>Every Prometheus alert now: name, state (pending/firing) and severity label, in one request.</summary>
    public async Task<IReadOnlyList<(string Name, string State, string Severity)>> AlertStatesAsync()
    {
        var json = await Client.GetFromJsonAsync<JsonElement>($"{Url(ServiceNames.Prometheus)}/api/v1/alerts");
        return [.. json.GetProperty("data").GetProperty("alerts").EnumerateArray().Select(a => (
            a.GetProperty("labels").GetProperty("alertname").GetString()!,
            a.GetProperty("state").GetString()!,
            a.GetProperty("labels").TryGetProperty("severity", out var severity) ? severity.GetString() ?? string.Empty : string.Empty))];
    }

    /// <summary>Instant query summed over every returned series; null when it returns nothing or fails.</summary>
    public async Task<double?> QueryValueAsync(string promql)
    {
        var json = await Client.GetFromJsonAsync<JsonElement>($"{Url(ServiceNames.Prometheus)}/api/v1/query?query={Uri.EscapeDataString(promql)}");
        if (json.GetProperty("status").GetString() != "success" || json.GetProperty("data").GetProperty("result") is not { ValueKind: JsonValueKind.Array } result
            || result.GetArrayLength() == 0)
        {
            return null;
        }

        return result.EnumerateArray().Sum(series => double.Parse(series.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Alertmanager's view of an alert: state (active/suppressed) and who inhibits it.</summary>
    public async Task<IReadOnlyList<(string State, IReadOnlyList<string> InhibitedBy)>> AlertmanagerAlertAsync(string alertName)
    {
        var json = await Client.GetFromJsonAsync<JsonElement>($"{Url(ServiceNames.Alertmanager)}/api/v2/alerts?filter=alertname%3D%22{alertName}%22");
        return [.. json.EnumerateArray().Select(a => (a.GetProperty("status").GetProperty("state").GetString()!,
            (IReadOnlyList<string>)[.. a.GetProperty("status").GetProperty("inhibitedBy").EnumerateArray().Select(x => x.GetString()!)]))];
    }

    /// <summary>
    /// What Prometheus and Alertmanager did with <paramref name="alertName"/> since <paramref name="since"/>, for a
    /// scenario whose notification did not arrive: the rule's health and last error, when its <c>ALERTS</c> series was
    /// pending or firing (1 s steps), the alert's expression over the same range, and Alertmanager's alerts and groups
    /// for it. A missed notification then says which hop lost it instead of only that it is missing.
    /// </summary>
    public async Task<string> TraceAlertAsync(string alertName, DateTimeOffset since)
    {
        var lines = new List<string>();
        async Task Try(string what, Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException)
            {
                lines.Add($"{what}: not readable ({e.GetType().Name}: {e.Message})");
            }
        }

        var prometheus = Url(ServiceNames.Prometheus);
        var start = since.ToUnixTimeMilliseconds() / 1000.0;
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        async Task<string> RangeAsync(string promql)
        {
            var url = $"{prometheus}/api/v1/query_range?query={Uri.EscapeDataString(promql)}&start={start:F3}&end={end:F3}&step=1";
            var json = await Client.GetFromJsonAsync<JsonElement>(url);
            var series = json.GetProperty("data").GetProperty("result").EnumerateArray().Select(s =>
            {
                var points = s.GetProperty("values").EnumerateArray().Select(v => v[0].GetDouble() - start).ToList();
                var labels = string.Join(",", s.GetProperty("metric").EnumerateObject().Where(l => l.Name != "__name__").Select(l => $"{l.Name}={l.Value.GetString()}"));
                return $"{{{labels}}} {points.Count} points, +{points.DefaultIfEmpty(double.NaN).Min():F0}..+{points.DefaultIfEmpty(double.NaN).Max():F0} s";
            }).ToList();
            return series.Count == 0 ? "no sample" : string.Join("; ", series);
        }

        string? expression = null;
        await Try("rule", async () =>
        {
            var json = await Client.GetFromJsonAsync<JsonElement>($"{prometheus}/api/v1/rules?type=alert");
            var rule = json.GetProperty("data").GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray())
                .First(r => r.GetProperty("name").GetString() == alertName);
            expression = rule.GetProperty("query").GetString();
            lines.Add($"rule: health {rule.GetProperty("health").GetString()}, state {rule.GetProperty("state").GetString()}, " +
                      $"last error '{(rule.TryGetProperty("lastError", out var error) ? error.GetString() : string.Empty)}', last evaluation {rule.GetProperty("lastEvaluation").GetString()}");
        });
        await Try("before the fault", async () =>
        {
            // Fired earlier (at start-up, or by an earlier scenario): its Alertmanager group may still exist.
            var at = since.ToUnixTimeMilliseconds() / 1000.0;
            var json = await Client.GetFromJsonAsync<JsonElement>(
                $"{prometheus}/api/v1/query?query={Uri.EscapeDataString($"max_over_time(ALERTS{{alertname=\"{alertName}\",alertstate=\"firing\"}}[1h])")}&time={at:F3}");
            lines.Add($"firing before the fault (last hour): {json.GetProperty("data").GetProperty("result").GetArrayLength()} series");
        });
        await Try("ALERTS pending", async () => lines.Add($"ALERTS pending: {await RangeAsync($"ALERTS{{alertname=\"{alertName}\",alertstate=\"pending\"}}")}"));
        await Try("ALERTS firing", async () => lines.Add($"ALERTS firing: {await RangeAsync($"ALERTS{{alertname=\"{alertName}\",alertstate=\"firing\"}}")}"));
        if (expression is not null)
        {
            await Try("expression", async () => lines.Add($"expression true: {await RangeAsync(expression)}"));
        }

        await Try("Alertmanager alerts", async () =>
        {
            var json = await Client.GetFromJsonAsync<JsonElement>($"{Url(ServiceNames.Alertmanager)}/api/v2/alerts?filter=alertname%3D%22{alertName}%22&silenced=true&inhibited=true&unprocessed=true");
            lines.Add($"Alertmanager alerts: {json.GetArrayLength()}" + string.Concat(json.EnumerateArray().Select(a =>
                $"; {a.GetProperty("status").GetProperty("state").GetString()} since {a.GetProperty("startsAt").GetString()} until {a.GetProperty("endsAt").GetString()}" +
                $" inhibitedBy [{string.Join(",", a.GetProperty("status").GetProperty("inhibitedBy").EnumerateArray().Select(x => x.GetString()))}]")));
        });
        await Try("Alertmanager groups", async () =>
        {
            var json = await Client.GetFromJsonAsync<JsonElement>($"{Url(ServiceNames.Alertmanager)}/api/v2/alerts/groups?filter=alertname%3D%22{alertName}%22");
            lines.Add($"Alertmanager groups: {json.GetArrayLength()}" + string.Concat(json.EnumerateArray().Select(g =>
                $"; receiver {g.GetProperty("receiver").GetProperty("name").GetString()} with {g.GetProperty("alerts").GetArrayLength()} alerts")));
        });
        lines.Add($"notifications of {alertName} received since: {Log.All.Count(n => n.AlertName == alertName && n.ReceivedAt >= since)}; before: {Log.All.Count(n => n.AlertName == alertName && n.ReceivedAt < since)}");
        return string.Join("\n", lines.Select(l => "    " + l));
    }

    /// <summary>Instant query; the number of series returned.</summary>
    public async Task<(int Series, string? Error)> QueryAsync(string promql)
    {
        using var response = await Client.GetAsync($"{Url(ServiceNames.Prometheus)}/api/v1/query?query={Uri.EscapeDataString(promql)}");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (json.GetProperty("status").GetString() != "success")
        {
            return (0, json.TryGetProperty("error", out var error) ? error.GetString() : "error");
        }

        var result = json.GetProperty("data").GetProperty("result");
        return (result.ValueKind == JsonValueKind.Array ? result.GetArrayLength() : 1, null);
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessSupervisor.DownAsync(Paths);
        Client.Dispose();
        await Http.DisposeAsync();
        await Smtp.DisposeAsync();
        if (Environment.GetEnvironmentVariable("THEBOT_DETECTION_KEEP") != "1")
        {
            try
            {
                Directory.Delete(Paths.Root, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // PostgreSQL's data folder may belong to its own user; the leftover sweep removes it later.
            }
        }
    }
}
