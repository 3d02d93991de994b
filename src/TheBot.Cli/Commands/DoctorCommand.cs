using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using TheBot.Cli.Checks;
using TheBot.Cli.Clients;
using TheBot.Cli.Diagnostics;
using TheBot.Cli.Setup;
using TheBot.Cli.Stack;
using TheBot.Cli.Options;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot doctor</c>: the seed's Troubleshooting section as one command — binaries, ports, configs, targets,
/// rules, Alertmanager reachability and routing — one ✓ or ✗ per check with the fix; non-zero on any ✗.
/// </summary>
internal static class DoctorCommand
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the checks as JSON" };
        var command = StackOptions.Create("doctor", "Every check an operator would do by hand, each with its fix; exit 1 on any failure.");
        command.Options.Add(json);
        command.SetAction(async (result, ct) =>
        {
            var checks = await RunAsync(StackOptions.Location(result), ct);
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(checks.Select(c => new { check = c.Name, ok = c.Ok, detail = c.Detail, fix = c.Fix }),
                    new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                foreach (var check in checks)
                {
                    await output.WriteLineAsync($"{(check.Ok ? "✓" : "✗")} {check.Name}: {check.Detail}" + (check.Ok ? string.Empty : $"\n    fix: {check.Fix}"));
                }

                await output.WriteLineAsync($"{checks.Count(c => c.Ok)} ok, {checks.Count(c => !c.Ok)} failing");
            }

            return checks.All(c => c.Ok) ? 0 : 1;
        });
        return command;
    }

    public sealed record Check(string Name, bool Ok, string Detail, string Fix);

    public static async Task<IReadOnlyList<Check>> RunAsync(StackLocation location, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(location);
        var flags = StackOptions.StateFlags(location);
        var checks = new List<Check>();
        async Task Add(string name, string fix, Func<Task<(bool Ok, string Detail)>> probe)
        {
            try
            {
                var (ok, detail) = await probe();
                checks.Add(new Check(name, ok, detail, fix));
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                checks.Add(new Check(name, false, exception.Message, fix));
            }
        }

        var missing = DebianPackages.Missing();
        checks.Add(new Check("binaries installed", missing.Count == 0,
            missing.Count == 0 ? $"{DebianPackages.Required.Count} binaries present" : "missing packages: " + string.Join(", ", missing),
            DebianPackages.InstallLine(missing)));

        var pids = ProcessSupervisor.ReadPidFiles(location.Paths).ToDictionary(r => r.Name);
        foreach (var spec in stack.Specs())
        {
            var port = spec.Ports.Values.First();
            await Add($"{spec.Name} running and ready on 127.0.0.1:{port}",
                pids.ContainsKey(spec.Name)
                    ? $"see {location.Paths.LogFile(spec.Name)}; restart with ./thebot down{flags} && ./thebot up --detach{flags}"
                    : $"start the stack: ./thebot up --detach{flags}",
                async () =>
                {
                    var running = pids.TryGetValue(spec.Name, out var record) && record.IsRunning;
                    if (!running)
                    {
                        return (false, Ports.IsFree(port) ? "not running" : $"not started by this stack, but port {port} is taken by another program");
                    }

                    var ready = spec.Readiness is null || await spec.Readiness.CheckAsync(cancellationToken);
                    return (ready, ready ? $"pid {record!.Pid}, {spec.Readiness?.Description}" : $"pid {record!.Pid} runs but {spec.Readiness!.Description} fails");
                });
        }

        await Add("prometheus.yml valid (promtool check config)", $"./thebot check; then ./thebot up again to re-render {stack.Renderer.PrometheusConfig}", async () =>
        {
            var result = await CommandRunner.RunAsync("/usr/bin/promtool", ["check", "config", stack.Renderer.PrometheusConfig], cancellationToken: cancellationToken);
            return (result.Succeeded, result.Succeeded ? stack.Renderer.PrometheusConfig : (result.StandardOutput + result.StandardError).Trim());
        });
        await Add("alertmanager.yml valid (amtool check-config)", $"./thebot check; then ./thebot up again to re-render {stack.Renderer.AlertmanagerConfig}", async () =>
        {
            var result = await CommandRunner.RunAsync("/usr/bin/amtool", ["check-config", stack.Renderer.AlertmanagerConfig], cancellationToken: cancellationToken);
            return (result.Succeeded, result.Succeeded ? stack.Renderer.AlertmanagerConfig : (result.StandardOutput + result.StandardError).Trim());
        });

        var prometheus = new PrometheusClient(location.Url(ServiceNames.Prometheus));
        await Add("every Prometheus target up", $"open {prometheus.BaseUrl}/targets; curl the failing target; read its log in {location.Paths.Logs}", async () =>
        {
            var targets = (await prometheus.GetAsync("/api/v1/targets?state=active", cancellationToken)).GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToList();
            var down = targets.Where(t => t.GetProperty("health").GetString() != "up")
                .Select(t => $"{t.GetProperty("labels").GetProperty("job").GetString()} ({t.GetProperty("scrapeUrl").GetString()}: {t.GetProperty("lastError").GetString()})").ToList();
            var jobs = targets.Select(t => t.GetProperty("labels").GetProperty("job").GetString()!).ToHashSet();
            var absent = ConfigRenderer.JobServices.Keys.Where(j => !jobs.Contains(j)).ToList();
            return (down.Count == 0 && absent.Count == 0 && targets.Count > 0,
                down.Count == 0 && absent.Count == 0 ? $"{targets.Count} targets up ({string.Join(", ", jobs.Order())})"
                : string.Join("; ", down.Concat(absent.Select(j => $"job {j} has no target"))));
        });
        await Add("rules loaded and healthy", $"curl {prometheus.BaseUrl}/api/v1/rules and read lastError; ./thebot check validates the rule files", async () =>
        {
            var groups = (await prometheus.GetAsync("/api/v1/rules", cancellationToken)).GetProperty("data").GetProperty("groups").EnumerateArray().ToList();
            var rules = groups.SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
            var unhealthy = rules.Where(r => r.GetProperty("health").GetString() != "ok")
                .Select(r => $"{r.GetProperty("name").GetString()}: {(r.TryGetProperty("lastError", out var e) ? e.GetString() : "?")}").ToList();
            return (rules.Count > 0 && unhealthy.Count == 0, unhealthy.Count == 0 ? $"{rules.Count} rules in {groups.Count} groups, all ok" : string.Join("; ", unhealthy));
        });
        await Add("Prometheus memory: head series, resident memory, retention set", PrometheusDiagnostics.MemoryFix,
            () => PrometheusDiagnostics.MemoryAsync(prometheus, cancellationToken));
        await Add("Prometheus queries fast: rule groups within their interval, a trivial query", PrometheusDiagnostics.SlowQueryFix,
            () => PrometheusDiagnostics.SlowQueriesAsync(prometheus, cancellationToken));
        await Add("Prometheus sends to Alertmanager", $"check alerting.alertmanagers in {stack.Renderer.PrometheusConfig} and that Alertmanager runs", async () =>
        {
            var active = (await prometheus.GetAsync("/api/v1/alertmanagers", cancellationToken)).GetProperty("data").GetProperty("activeAlertmanagers").GetArrayLength();
            return (active > 0, $"{active} Alertmanager(s) discovered");
        });

        var alertmanager = new AlertmanagerClient(location.Url(ServiceNames.Alertmanager));
        await Add("Alertmanager reachable with a config", $"read {location.Paths.LogFile(ServiceNames.Alertmanager)}", async () =>
        {
            var status = await alertmanager.StatusAsync(cancellationToken);
            var original = status.GetProperty("config").GetProperty("original").GetString() ?? string.Empty;
            return (original.Contains("receivers", StringComparison.Ordinal), $"version {status.GetProperty("versionInfo").GetProperty("version").GetString()}, uptime since {status.GetProperty("uptime").GetString()}");
        });
        foreach (var (labels, expected) in (((string, string)[] Labels, string Expected)[])
                 [
                     ([("alertname", "Watchdog"), ("severity", "none")], "deadmans-switch"),
                     ([("alertname", "DoctorProbe"), ("severity", "critical")], "critical-team"),
                     ([("alertname", "DoctorProbe"), ("severity", "warning")], "ops-team"),
                     ([("alertname", "DoctorProbe"), ("severity", "info")], "default-receiver"),
                 ])
        {
            var text = string.Join(' ', labels.Select(l => $"{l.Item1}={l.Item2}"));
            await Add($"routing {text} → {expected}", "compare monitoring/alertmanager/alertmanager.yml's route with contract §8", async () =>
            {
                var receivers = await AlertmanagerRoutes.ReceiversAsync(stack.Renderer.AlertmanagerConfig, labels.ToDictionary(l => l.Item1, l => l.Item2), cancellationToken);
                return (receivers is [var receiver] && receiver == expected, $"amtool says {string.Join(",", receivers)}");
            });
        }

        await Add("Watchdog firing (the alert pipeline evaluates)", "rules not evaluating: see the rules check above and Prometheus' log", async () =>
        {
            var firing = (await prometheus.QueryAsync("ALERTS{alertname=\"Watchdog\",alertstate=\"firing\"}", cancellationToken)).GetArrayLength();
            return (firing > 0, firing > 0 ? "firing" : "not firing yet (it fires one evaluation after start)");
        });

        await Add("backend scrape endpoint refuses anonymous calls and takes the token", "set Monitoring:ScrapeTokenFile on the backend; prometheus.yml's credentials_file must hold the same token", async () =>
        {
            var url = location.Url(ServiceNames.Backend) + "/api/system/metrics/prometheus/";
            using var anonymous = await Http.GetAsync(url, cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.ScrapeToken);
            using var authorized = await Http.SendAsync(request, cancellationToken);
            // Loopback callers may scrape without a token only when none is configured; we configure one.
            var ok = anonymous.StatusCode == HttpStatusCode.Unauthorized && authorized.StatusCode == HttpStatusCode.OK;
            return (ok, $"anonymous → {(int)anonymous.StatusCode}, with token → {(int)authorized.StatusCode}");
        });

        await Add("disk space for the TSDB", "free space, or lower retention (--storage.tsdb.retention.time/size); see docs/operations.md", () =>
        {
            var drive = new DriveInfo(location.Paths.Root);
            var free = (double)drive.AvailableFreeSpace / drive.TotalSize;
            return Task.FromResult((free > 0.05, $"{drive.AvailableFreeSpace / (1 << 30)} GiB free ({free:P0}) under {location.Paths.Root}"));
        });

        return checks;
    }
}
