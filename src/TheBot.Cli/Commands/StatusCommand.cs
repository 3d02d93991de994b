using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using TheBot.Cli.Stack;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary><c>./thebot status</c>: one line per service — up/down, URL, version — and the local inbox.</summary>
internal static partial class StatusCommand
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    public static Command Create()
    {
        var command = StackOptions.Create("status", "One line per service: up/down, URL, version.");
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var rows = await ReadAsync(location, ct);
            var width = rows.Max(r => r.Service.Length);
            foreach (var row in rows)
            {
                Console.WriteLine($"{(row.Up ? "✓ up  " : "✗ down")}  {row.Service.PadRight(width)}  {row.Url,-36}  {row.Version}");
            }

            var stack = new LocalStack(location);
            var inbox = InboxCommand.Read(stack.InboxDirectory);
            Console.WriteLine($"inbox: {inbox.Count} notification(s)" + (inbox.Count == 0 ? string.Empty
                : $"; last to {inbox[^1]["receiver"]}: {string.Join(", ", inbox[^1]["payload"]?["alerts"]?.AsArray().Select(a => $"{a?["labels"]?["alertname"]} ({a?["status"]})") ?? [])}"));
            return rows.All(r => r.Up) ? 0 : 3;
        });
        return command;
    }

    public static async Task<IReadOnlyList<(string Service, bool Up, string Url, string Version)>> ReadAsync(StackLocation location, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(location);
        var pids = ProcessSupervisor.ReadPidFiles(location.Paths).ToDictionary(r => r.Name);
        var rows = new List<(string, bool, string, string)>();
        foreach (var spec in stack.Specs())
        {
            var running = pids.TryGetValue(spec.Name, out var record) && record.IsRunning;
            var ready = running && spec.Readiness is not null && await SafeAsync(() => spec.Readiness.CheckAsync(cancellationToken));
            var url = spec.Name is ServiceNames.PostgreSql or ServiceNames.Redis
                ? $"127.0.0.1:{spec.Ports.Values.First()}"
                : $"http://127.0.0.1:{spec.Ports.Values.First()}";
            var version = ready ? await VersionAsync(spec, url, cancellationToken) : running ? "running, not ready" : "not running";
            rows.Add((spec.Name, ready, url, version));
        }

        return rows;
    }

    private static async Task<string> VersionAsync(ProcessSpec spec, string url, CancellationToken cancellationToken)
    {
        try
        {
            switch (spec.Name)
            {
                case ServiceNames.Backend or ServiceNames.Frontend:
                    var health = await Http.GetFromJsonAsync<JsonElement>(url + "/api/system/health/", cancellationToken);
                    return $"{health.GetProperty("service").GetString()} {health.GetProperty("version").GetString()} ({health.GetProperty("status").GetString()})";
                case ServiceNames.Prometheus:
                    var build = await Http.GetFromJsonAsync<JsonElement>(url + "/api/v1/status/buildinfo", cancellationToken);
                    return "prometheus " + build.GetProperty("data").GetProperty("version").GetString();
                case ServiceNames.Alertmanager:
                    var status = await Http.GetFromJsonAsync<JsonElement>(url + "/api/v2/status", cancellationToken);
                    return "alertmanager " + status.GetProperty("versionInfo").GetProperty("version").GetString();
                case ServiceNames.NodeExporter or ServiceNames.PostgresExporter or ServiceNames.RedisExporter:
                    var metrics = await Http.GetStringAsync(url + "/metrics", cancellationToken);
                    var match = BuildInfo().Match(metrics);
                    return match.Success ? $"{spec.Name} {match.Groups[1].Value}" : spec.Name;
                case LocalStack.Inbox:
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

    private static async Task<bool> SafeAsync(Func<Task<bool>> check)
    {
        try
        {
            return await check();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return false;
        }
    }

    [GeneratedRegex("""_build_info\{[^}]*version="([^"]+)"[^}]*\}""")]
    private static partial Regex BuildInfo();
}
