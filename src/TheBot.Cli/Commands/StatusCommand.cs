using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TheBot.Cli.Inbox;
using TheBot.Cli.Stack;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary><c>./thebot status</c>: one line per service — up/down, URL, version — and the local inbox.</summary>
internal static partial class StatusCommand
{
    /// <summary>Exit code when a service is not up (not ready or down).</summary>
    public const int NotAllUp = 3;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    public static Command Create()
    {
        var command = StackOptions.Create("status",
            "One line per service: up (its readiness probe passes), not ready (its process runs but the probe fails) or down; URL, version; then the local inbox. Exit codes: 0 every service is up; 3 one is not ready or down.");
        VerbReport.AddJsonOption(command);
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var report = VerbReport.For(result);
            var rows = await ReadAsync(location, ct);
            var width = rows.Max(r => r.Service.Length);
            foreach (var row in rows)
            {
                report.Info($"{Mark(row.State)}  {row.Service.PadRight(width)}  {row.Url,-36}  {row.Version}");
            }

            report.Set("services", new JsonArray([.. rows.Select(r => (JsonNode?)new JsonObject
            {
                ["service"] = r.Service,
                ["state"] = r.State switch { ServiceState.Up => "up", ServiceState.NotReady => "not_ready", _ => "down" },
                ["url"] = r.Url,
                ["version"] = r.Version,
            })]));
            var stack = new LocalStack(location);
            var inbox = NotificationInbox.Read(stack.InboxDirectory);
            var last = inbox.Count == 0 ? null : inbox[^1];
            var lastAlerts = last?["payload"]?["alerts"]?.AsArray().Select(a => $"{a?["labels"]?["alertname"]} ({a?["status"]})").ToList() ?? [];
            report.Info($"inbox: {inbox.Count} notification(s)" + (last is null ? string.Empty : $"; last to {last["receiver"]}: {string.Join(", ", lastAlerts)}"));
            report.Set("inbox", new JsonObject
            {
                ["notifications"] = inbox.Count,
                ["last_receiver"] = last?["receiver"]?.GetValue<string>(),
                ["last_alerts"] = new JsonArray([.. lastAlerts.Select(a => (JsonNode?)JsonValue.Create(a))]),
            });
            return await report.EndAsync(rows.All(r => r.State == ServiceState.Up) ? 0 : NotAllUp);
        });
        return command;
    }

    /// <summary>How a service is judged: by its readiness probe first, the pid file only tells who started it.</summary>
    public enum ServiceState
    {
        /// <summary>The readiness probe passes (whoever started the process).</summary>
        Up,

        /// <summary>The recorded process runs but its readiness probe fails (hung, overloaded, still starting).</summary>
        NotReady,

        /// <summary>Nothing answers the probe and no recorded process runs.</summary>
        Down,
    }

    /// <summary>The line's leading mark: the same width for every state, so the columns stay aligned.</summary>
    public static string Mark(ServiceState state) => state switch
    {
        ServiceState.Up => "✓ up       ",
        ServiceState.NotReady => "✗ not ready",
        _ => "✗ down     ",
    };

    /// <summary>
    /// One row per service of the stack. The readiness probe decides: a service that answers is up even without a
    /// live pid file (restarted by hand, say), and a recorded process that does not answer is "not ready", never up.
    /// </summary>
    public static async Task<IReadOnlyList<(string Service, ServiceState State, string Url, string Version)>> ReadAsync(StackLocation location, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(location);
        var pids = ProcessSupervisor.ReadPidFiles(location.Paths).ToDictionary(r => r.Name);
        var rows = new List<(string, ServiceState, string, string)>();
        foreach (var spec in stack.Specs())
        {
            var running = pids.TryGetValue(spec.Name, out var record) && record.IsRunning;
            // A spec without a probe is ready as soon as it runs (ProcessSpec.Readiness), so its pid is all there is.
            var ready = spec.Readiness is { } probe ? await ProbeAsync(probe, cancellationToken) : running;
            var state = ready ? ServiceState.Up : running ? ServiceState.NotReady : ServiceState.Down;
            var url = spec.Name is ServiceNames.PostgreSql or ServiceNames.Redis
                ? $"127.0.0.1:{spec.Ports.Values.First()}"
                : $"http://127.0.0.1:{spec.Ports.Values.First()}";
            var version = state switch
            {
                ServiceState.Up => await VersionAsync(spec, url, cancellationToken) + (running ? string.Empty : " · not started by thebot (no live pid file)"),
                ServiceState.NotReady => $"process runs (pid {record!.Pid}) but {spec.Readiness!.Description} fails",
                _ => "not running",
            };
            rows.Add((spec.Name, state, url, version));
        }

        return rows;
    }

    private static async Task<string> VersionAsync(ProcessSpec spec, string url, CancellationToken cancellationToken)
    {
        try
        {
            switch (ServiceNames.KindOf(spec.Name))
            {
                case ServiceNames.Backend or ServiceNames.Frontend:
                    var health = await Http.GetFromJsonAsync<JsonElement>(url + "/api/system/health/", cancellationToken);
                    return $"{health.GetProperty("service").GetString()} {health.GetProperty("version").GetString()} ({health.GetProperty("status").GetString()})";
                case ServiceNames.Prometheus:
                    var build = await Http.GetFromJsonAsync<JsonElement>(url + "/api/v1/status/buildinfo", cancellationToken);
                    // The mode the running process really has (its flags), not what up recorded: a Prometheus
                    // restarted by hand without the flag would otherwise be reported as native.
                    var flags = await Http.GetFromJsonAsync<JsonElement>(url + "/api/v1/status/flags", cancellationToken);
                    return $"prometheus {build.GetProperty("data").GetProperty("version").GetString()} · histograms: {HistogramModeOf(flags)}";
                case ServiceNames.Alertmanager:
                    var status = await Http.GetFromJsonAsync<JsonElement>(url + "/api/v2/status", cancellationToken);
                    return "alertmanager " + status.GetProperty("versionInfo").GetProperty("version").GetString();
                case ServiceNames.NodeExporter or ServiceNames.PostgresExporter or ServiceNames.RedisExporter:
                    var metrics = await Http.GetStringAsync(url + "/metrics", cancellationToken);
                    var match = BuildInfo().Match(metrics);
                    return match.Success ? $"{spec.Name} {match.Groups[1].Value}" : spec.Name;
                case ServiceNames.Inbox:
                    return "thebot inbox";
                default:
                    var result = await CommandRunner.RunAsync(spec.Executable, ["--version"], new CommandOptions { Timeout = TimeSpan.FromSeconds(5) }, cancellationToken);
                    return result.StandardOutput.Split('\n')[0].Trim();
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException or KeyNotFoundException)
        {
            return "version unknown: " + exception.Message;
        }
    }

    /// <summary><c>native</c> when Prometheus' <c>enable-feature</c> flag holds <c>native-histograms</c>, else <c>classic</c>.</summary>
    internal static string HistogramModeOf(JsonElement flags) =>
        flags.GetProperty("data").TryGetProperty("enable-feature", out var features)
        && (features.GetString() ?? string.Empty).Split(',', StringSplitOptions.TrimEntries).Contains("native-histograms")
            ? "native"
            : "classic";

    /// <summary>
    /// One probe, bounded: a hung server (SIGSTOP) still accepts TCP connections in the kernel and never answers, and
    /// status must say so rather than wait with it.
    /// </summary>
    private static async Task<bool> ProbeAsync(ReadinessProbe probe, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(ProbeTimeout);
        try
        {
            return await probe.CheckAsync(attempt.Token);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>How long one readiness probe may take in <c>status</c>.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    [GeneratedRegex("""_build_info\{[^}]*version="([^"]+)"[^}]*\}""")]
    private static partial Regex BuildInfo();
}
