using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using TheBot.Cli.Inbox;
using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary><c>./thebot status</c>: one line per service — up/down, URL, version — and the local inbox.</summary>
internal static class StatusCommand
{
    /// <summary>Exit code when a service is not up (not ready or down).</summary>
    public const int NotAllUp = 3;

    public static Command Create()
    {
        var command = StackOptions.Create("status",
            "One line per service: up (its readiness probe passes), not ready (its process runs but the probe fails) or down; URL, version; then the local inbox. Exit codes: 0 every service is up; 2 bad flags; 3 one is not ready or down.");
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

            // Treated as no process recorded (the row says down or not started by thebot); named so it can be removed.
            _ = ProcessSupervisor.ReadPidFiles(location.Paths, out var unreadable);
            foreach (var file in unreadable)
            {
                report.Warn($"{file.Describe()}: no process recorded for {file.Service}", $"fix: rm {file.File} (it records no process; ./thebot start {file.Service}{StackOptions.StateFlags(location)} writes a new one, ./thebot down removes it)");
            }

            report.Set("services", new JsonArray([.. rows.Select(r => (JsonNode?)new JsonObject
            {
                ["service"] = r.Service,
                ["state"] = r.State switch { ServiceState.Up => "up", ServiceState.NotReady => "not_ready", _ => "down" },
                ["url"] = r.Url,
                ["version"] = r.Version,
            })]));
            var stack = new LocalStack(location);
            var contents = NotificationInbox.ReadAll(stack.InboxDirectory);
            var inbox = contents.Notifications;
            var last = inbox.Count == 0 ? null : inbox[^1];
            var lastAlerts = last?["payload"]?["alerts"]?.AsArray().Select(a => $"{a?["labels"]?["alertname"]} ({a?["status"]})").ToList() ?? [];
            report.Info($"inbox: {inbox.Count} notification(s)" + (last is null ? string.Empty : $"; last to {last["receiver"]}: {string.Join(", ", lastAlerts)}"));
            report.Set("inbox", new JsonObject
            {
                ["notifications"] = inbox.Count,
                ["last_receiver"] = last?["receiver"]?.GetValue<string>(),
                ["last_alerts"] = new JsonArray([.. lastAlerts.Select(a => (JsonNode?)JsonValue.Create(a))]),
                ["unreadable_lines"] = contents.UnreadableLines,
            });
            if (contents.UnreadableNote is { } note)
            {
                report.Warn("inbox: " + note);
            }

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
            var ready = spec.Readiness is { } probe ? await probe.CheckWithinAsync(ReadinessProbe.ReportTimeout, cancellationToken) : running;
            var state = ready ? ServiceState.Up : running ? ServiceState.NotReady : ServiceState.Down;
            var url = spec.ShownAddress;
            var version = state switch
            {
                ServiceState.Up => await VersionAsync(spec, cancellationToken) + (running ? string.Empty : " · not started by thebot (no live pid file)"),
                ServiceState.NotReady => ProcessTree.Stopped(record!.Identity) is [_, ..] stopped
                    ? $"process is stopped (pid {record.Pid}; SIGSTOP or a debugger: resume with kill -CONT {string.Join(' ', stopped)})"
                    : $"process runs (pid {record.Pid}) but is not ready (expected: {spec.Readiness!.Description})",
                _ => "not running",
            };
            rows.Add((spec.Name, state, url, version));
        }

        return rows;
    }

    /// <summary>What the component's <see cref="ProcessSpec.Version"/> reads (else <c>--version</c>), or why it could not.</summary>
    private static async Task<string> VersionAsync(ProcessSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            return await (spec.Version ?? VersionProbe.Command(spec.Executable)).ReadAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException or KeyNotFoundException or InvalidOperationException)
        {
            return "version unknown: " + exception.Message;
        }
    }
}
