using System.Net.Http.Json;
using System.Text.Json;
using TheBot.Cli.Commands;
using TheBot.Cli.Load;
using TheBot.Cli.Stack;
using TheBot.Stack;
using TheBot.Testing;
using TheBot.Testing.Sinks;

namespace TheBot.Detection.Tests;

/// <summary>
/// The real stack, started by <see cref="UpCommand.RunAsync"/> (the code behind <c>./thebot up --detach</c>) with a
/// time-compressed <see cref="StackProfile"/>: rules from <see cref="TimeCompression"/>, the backend's fault switch on,
/// and the real-receivers path of alertmanager.yml (render-config.sh) pointed at local sinks for Slack, PagerDuty,
/// SMTP and webhooks. Faults are made on the real processes through their pid files; restarts go through
/// <see cref="ProcessSupervisor"/> with the same specs <c>up</c> uses.
/// </summary>
internal sealed class DetectionStack : IAsyncDisposable
{
    public const string SmtpUser = "alertmanager@thebot.example";

    private readonly StringWriter _upOutput = new();

    private DetectionStack(StackLocation location, StackProfile profile, TimeCompression compression, IReadOnlyList<RuleChange> changes,
        NotificationLog log, HttpSinks http, SmtpSink smtp)
    {
        Location = location;
        Profile = profile;
        Compression = compression;
        Changes = changes;
        Log = log;
        Http = http;
        Smtp = smtp;
        Client = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
    }

    public StackLocation Location { get; }

    public StackProfile Profile { get; }

    public TimeCompression Compression { get; }

    public IReadOnlyList<RuleChange> Changes { get; }

    public NotificationLog Log { get; }

    public HttpSinks Http { get; }

    public SmtpSink Smtp { get; }

    public HttpClient Client { get; }

    public StackPaths Paths => Location.Paths;

    public TimeSpan Interval => Profile.Interval!.Value;

    public string UpOutput => _upOutput.ToString();

    public string Url(string service) => Location.Url(service);

    /// <summary>Creates sinks, writes the compressed rules and starts the stack (build included, as <c>up</c> does).</summary>
    public static async Task<DetectionStack> StartAsync(double factor, IReadOnlyDictionary<string, double> thresholds, CancellationToken cancellationToken)
    {
        await LeftoverStacks.SweepOnceAsync();
        var paths = StackPaths.CreateTemporary(LeftoverStacks.Prefix + "detection-");
        LeftoverStacks.Claim(paths);
        var inbox = Ports.GetFree();
        var ports = new PortPlan(inbox - 9097, PortPlan.Defaults.Keys.ToDictionary(k => k, _ => Ports.GetFree()));
        var location = new StackLocation(Repository.Root, paths, ports);

        var log = new NotificationLog();
        var routingKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var http = await HttpSinks.StartAsync(routingKey, log);
        var smtp = SmtpSink.Start(Path.Combine(paths.Root, "sinks"), SmtpUser, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)), log);

        var compression = new TimeCompression(factor, thresholds);
        var monitoring = Repository.PathOf("monitoring");
        var ruleDirectory = Path.Combine(paths.Root, "rules-compressed");
        var changes = compression.WriteRules(monitoring, ruleDirectory);
        var profile = new StackProfile("Staging", compression.IntervalFor(monitoring), ruleDirectory, FaultSwitch: true)
        {
            Compression = compression,
            PagerDutyUrl = http.PagerDutyUrl,
            SmtpCaFile = smtp.CaFile,
            Receivers = new Dictionary<string, string>
            {
                ["SLACK_WEBHOOK_URL"] = http.SlackUrl,
                ["PAGERDUTY_SERVICE_KEY"] = routingKey,
                ["SMTP_HOST"] = "127.0.0.1",
                ["SMTP_PORT"] = $"{smtp.Port}",
                ["SMTP_USER"] = smtp.User,
                ["SMTP_PASSWORD"] = smtp.Password,
                ["ALERT_WEBHOOK_URL"] = http.WebhookUrl("default"),
                ["DEADMANS_SWITCH_URL"] = http.WebhookUrl("deadmans-switch"),
            },
        };

        var stack = new DetectionStack(location, profile, compression, changes, log, http, smtp);
        var noBuild = Environment.GetEnvironmentVariable("THEBOT_DETECTION_NO_BUILD") == "1";
        var exit = await UpCommand.RunAsync(location, detach: true, noBuild, stack._upOutput, cancellationToken, profile);
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
        var spec = new LocalStack(Location, Profile).Specs().Single(s => s.Name == name) with { DependsOn = [] };
        var supervisor = new ProcessSupervisor(Paths);
        await supervisor.StartAsync([spec]);
        supervisor.Detach();
    }

    /// <summary>Runs the platform traffic of <c>./thebot load</c> for <paramref name="duration"/>.</summary>
    public Task<LoadResult> LoadAsync(TimeSpan duration, int rps, double errorShare, CancellationToken cancellationToken = default) =>
        new LoadGenerator(new LoadSettings(duration, rps, errorShare, new Uri(Url(ServiceNames.Backend)), new Uri(Url(ServiceNames.Frontend)), 42),
            TextWriter.Null, interactive: false).RunAsync(cancellationToken);

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

    /// <summary>Alertmanager's view of an alert: state (active/suppressed) and who inhibits it.</summary>
    public async Task<IReadOnlyList<(string State, IReadOnlyList<string> InhibitedBy)>> AlertmanagerAlertAsync(string alertName)
    {
        var json = await Client.GetFromJsonAsync<JsonElement>($"{Url(ServiceNames.Alertmanager)}/api/v2/alerts?filter=alertname%3D%22{alertName}%22");
        return [.. json.EnumerateArray().Select(a => (a.GetProperty("status").GetProperty("state").GetString()!,
            (IReadOnlyList<string>)[.. a.GetProperty("status").GetProperty("inhibitedBy").EnumerateArray().Select(x => x.GetString()!)]))];
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
