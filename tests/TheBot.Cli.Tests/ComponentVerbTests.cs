using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TheBot.Cli.Clients;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;
using Xunit.Abstractions;
using State = TheBot.Cli.Commands.StatusCommand.ServiceState;

namespace TheBot.Cli.Tests;

/// <summary>
/// Issue 11, operator verbs: on a real detached stack, <c>up</c> returns only once every target has been scraped;
/// <c>stop redis</c> leaves the backend serving degraded and status says so; <c>start redis</c> brings it back;
/// status believes the readiness probe over the pid file both ways (a Redis started by hand is up, a frozen exporter
/// is not ready); <c>start</c> refuses a component whose dependency is down; <c>restart backend</c> gives a new
/// process that serves and that Prometheus scrapes again.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Stack)]
[Collection(TemporaryStack.Collection)]
public sealed class ComponentVerbTests(ITestOutputHelper output) : OwnStackTest
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusClient Prometheus => new(Location.Url(ServiceNames.Prometheus));

    [Fact]
    public async Task Stop_start_and_restart_one_component_of_a_running_stack()
    {
        var up = new StringWriter();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8)))
        {
            var exit = await UpCommand.RunAsync(Location, detach: true, noBuild: false, up, timeout.Token);
            Assert.True(exit == 0, up.ToString());
        }

        // No waiting here: up has already seen every target scraped successfully.
        Assert.Contains("✓ Prometheus scraped every target", up.ToString(), StringComparison.Ordinal);
        Assert.Empty(await ScrapeReadiness.NotUpAsync(Prometheus, CancellationToken.None));
        var jobs = (await Prometheus.QueryAsync("up == 1")).EnumerateArray().Select(s => s.GetProperty("metric").GetProperty("job").GetString()).ToHashSet();
        Assert.Equal(ConfigRenderer.JobServices.Keys.Order(), jobs.Order());

        // stop redis: redis down, the backend keeps serving from the database and calls itself degraded.
        var (stopExit, stopText) = await InvokeAsync("stop", "redis");
        Assert.True(stopExit == 0, stopText);
        Assert.Contains("✓ stopped redis (pid ", stopText, StringComparison.Ordinal);
        Assert.Null(ComponentControl.Running(Location.Paths, ServiceNames.Redis));
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(60), async () =>
        {
            var rows = await StatusCommand.ReadAsync(Location, CancellationToken.None);
            var redis = rows.Single(r => r.Service == ServiceNames.Redis);
            var backend = rows.Single(r => r.Service == ServiceNames.Backend);
            var cache = await CacheHealthAsync();
            return redis.State == State.Down && backend.State == State.Up && backend.Version.EndsWith("(degraded)", StringComparison.Ordinal) && cache == "degraded"
                ? null
                : $"redis {redis.State} ({redis.Version}), backend {backend.State} ({backend.Version}), backend's cache component {cache}";
        });
        var (statusExit, statusText) = await InvokeAsync("status");
        Assert.Equal(3, statusExit);
        Assert.Matches(@"(?m)^✗ down\s+redis\s", statusText);

        // Without --port-offset the verbs reach the stack at the offset up recorded in the state folder, and doctor's fix
        // for one stopped component starts that component (up would refuse a stack that runs).
        var (doctorExit, doctorText) = await VerbInvoker.InvokeAsync(["doctor", "--state-dir", Location.Paths.Root]);
        Assert.Equal(1, doctorExit);
        Assert.Contains($"✗ redis running and ready on 127.0.0.1:{Location.Ports[ServiceNames.Redis]}: not running\n    fix: start it: ./thebot start redis --state-dir {Location.Paths.Root} --port-offset {Location.Ports.Offset}", doctorText, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^✓ postgresql running and ready on 127\.0\.0\.1:{Location.Ports[ServiceNames.PostgreSql]}: pid \d+", doctorText);

        // start redis: ready again, and the backend healthy again.
        var (startExit, startText) = await InvokeAsync("start", "redis");
        Assert.True(startExit == 0, startText);
        Assert.Matches(@"✓ redis ready \(pid \d+, ", startText);
        Assert.True(await TheBot.Stack.Components.Redis.PingAsync(Location.Ports[ServiceNames.Redis], null, CancellationToken.None));
        Assert.Equal(State.Up, (await StatusCommand.ReadAsync(Location, CancellationToken.None)).Single(r => r.Service == ServiceNames.Redis).State);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(60), async () => await CacheHealthAsync() is var cache && cache == "healthy" ? null : $"backend's cache component {cache}");

        // start on a running component refuses and says why.
        var (againExit, againText) = await InvokeAsync("start", "redis");
        Assert.Equal(1, againExit);
        Assert.Contains("redis is already running (pid ", againText, StringComparison.Ordinal);

        await Status_believes_the_probe_over_the_pid_file();
        await Start_refuses_a_component_whose_dependency_is_down();

        // restart backend: a new process that serves, and that Prometheus scrapes again.
        var before = ComponentControl.Running(Location.Paths, ServiceNames.Backend)!;
        var (restartExit, restartText) = await InvokeAsync("restart", "backend");
        var readyAt = DateTimeOffset.UtcNow;
        Assert.True(restartExit == 0, restartText);
        Assert.Contains($"✓ stopped backend (pid {before.Pid})", restartText, StringComparison.Ordinal);
        var after = ComponentControl.Running(Location.Paths, ServiceNames.Backend)!;
        Assert.NotEqual(before.Identity, after.Identity);
        Assert.False(ProcessTree.IsAlive(before.Identity));
        using (var readiness = await Http.GetAsync(Location.Url(ServiceNames.Backend) + "/api/system/readiness/"))
        {
            Assert.True(readiness.IsSuccessStatusCode, $"readiness answered {(int)readiness.StatusCode}");
        }

        // The old process is gone, so a successful scrape that started after the restart returned is the new one's.
        var watch = Stopwatch.StartNew();
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(60), async () =>
        {
            var target = (await Prometheus.GetAsync("/api/v1/targets?state=active")).GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .Single(t => t.GetProperty("labels").GetProperty("job").GetString() == "thebot-backend");
            var lastScrape = DateTimeOffset.Parse(target.GetProperty("lastScrape").GetString()!, CultureInfo.InvariantCulture);
            return target.GetProperty("health").GetString() == "up" && lastScrape > readyAt && target.GetProperty("lastError").GetString() == string.Empty
                ? null
                : $"thebot-backend target {target.GetProperty("health").GetString()}, last scrape {lastScrape:O} (restart done at {readyAt:O}), error '{target.GetProperty("lastError").GetString()}'";
        });
        Report.Line(output, $"restart backend: pid {before.Pid} → {after.Pid}; Prometheus scraped the new process {watch.Elapsed.TotalSeconds:F1} s after it was ready");

        // With the local inbox stopped nothing can be delivered, and test-alert says that is why.
        Assert.Equal(0, (await InvokeAsync("stop", "inbox")).Exit);
        var (lostExit, lostText) = await InvokeAsync("test-alert", "--severity", "critical", "--timeout", "3");
        Assert.Equal(1, lostExit);
        Assert.Contains($"fix: the local inbox is not listening on 127.0.0.1:{Location.Ports[ServiceNames.Inbox]}: ./thebot start inbox --state-dir {Location.Paths.Root}", lostText, StringComparison.Ordinal);
        var (inboxExit, inboxText) = await InvokeAsync("start", "inbox");
        Assert.True(inboxExit == 0, inboxText);
    }

    /// <summary>A Redis started by hand (no pid file) that answers is up; a recorded exporter that is frozen is "not ready".</summary>
    private async Task Status_believes_the_probe_over_the_pid_file()
    {
        var spec = new LocalStack(Location).Specs().Single(s => s.Name == ServiceNames.Redis);
        Assert.Equal(0, (await InvokeAsync("stop", "redis")).Exit);
        var info = new ProcessStartInfo(spec.Executable) { UseShellExecute = false, RedirectStandardOutput = true };
        spec.Arguments.ToList().ForEach(info.ArgumentList.Add);
        using var byHand = Process.Start(info)!;
        try
        {
            await Eventually.HoldsAsync(TimeSpan.FromSeconds(20), async () =>
            {
                var redis = (await StatusCommand.ReadAsync(Location, CancellationToken.None)).Single(r => r.Service == ServiceNames.Redis);
                return redis.State == State.Up && redis.Version.Contains("not started by thebot", StringComparison.Ordinal) ? null : $"redis {redis.State} ({redis.Version})";
            });
        }
        finally
        {
            byHand.Kill();
            await byHand.WaitForExitAsync();
        }

        Assert.Equal(0, (await InvokeAsync("start", "redis")).Exit);

        var exporter = ComponentControl.Running(Location.Paths, ServiceNames.RedisExporter)!;
        ProcessTree.Signal(exporter.Identity, ProcessSignal.Stop);
        try
        {
            // Not only "not ready": stopped, with the pids to resume (read from /proc's state T).
            var row = (await StatusCommand.ReadAsync(Location, CancellationToken.None)).Single(r => r.Service == ServiceNames.RedisExporter);
            Assert.Equal(State.NotReady, row.State);
            Assert.Contains($"process is stopped (pid {exporter.Pid}; SIGSTOP or a debugger: resume with kill -CONT {string.Join(' ', ProcessTree.Stopped(exporter.Identity))})", row.Version, StringComparison.Ordinal);
        }
        finally
        {
            ProcessTree.Signal(exporter.Identity, ProcessSignal.Continue);
        }

        // A hung Redis: doctor says it is stopped and that resuming it is the fix; its exporter, if the hang makes it
        // unready too, is sent to Redis rather than restarted (on-call walk-through: doctor sent them to the victims).
        var redis = ComponentControl.Running(Location.Paths, ServiceNames.Redis)!;
        ProcessTree.Signal(redis.Identity, ProcessSignal.Stop);
        try
        {
            var (doctorExit, doctorText) = await VerbInvoker.InvokeAsync(["doctor", "--state-dir", Location.Paths.Root]);
            Assert.Equal(1, doctorExit);
            Assert.Contains($"✗ redis running and ready on 127.0.0.1:{Location.Ports[ServiceNames.Redis]}: pid {redis.Pid} is stopped (state T, SIGSTOP or a debugger: pids {redis.Pid})", doctorText, StringComparison.Ordinal);
            Assert.Contains($"fix: resume it: kill -CONT {redis.Pid} (or restart it: ./thebot restart redis --state-dir {Location.Paths.Root}", doctorText, StringComparison.Ordinal);
            var exporterLine = doctorText.Split('\n').Single(l => l.Contains($"{ServiceNames.RedisExporter} running and ready", StringComparison.Ordinal));
            if (exporterLine.StartsWith("✗", StringComparison.Ordinal))
            {
                Assert.Contains("it waits on redis, which is stopped (SIGSTOP): fix redis first", doctorText, StringComparison.Ordinal);
            }
        }
        finally
        {
            ProcessTree.Signal(redis.Identity, ProcessSignal.Continue);
        }
    }

    /// <summary>With redis stopped, <c>start backend</c> names the missing dependency and starts nothing.</summary>
    private async Task Start_refuses_a_component_whose_dependency_is_down()
    {
        Assert.Equal(0, (await InvokeAsync("stop", "backend")).Exit);
        Assert.Equal(0, (await InvokeAsync("stop", "redis")).Exit);
        var (exit, text) = await InvokeAsync("start", "backend");
        Assert.Equal(1, exit);
        Assert.Contains("backend needs redis, which is not running; start it first", text, StringComparison.Ordinal);
        Assert.Null(ComponentControl.Running(Location.Paths, ServiceNames.Backend));
        Assert.True(Ports.IsFree(Location.Ports[ServiceNames.Backend]));
        Assert.Equal(0, (await InvokeAsync("start", "redis")).Exit);
        Assert.Equal(0, (await InvokeAsync("start", "backend")).Exit);
    }

    /// <summary>The status of the backend's <c>cache</c> health component (its health JSON).</summary>
    private async Task<string?> CacheHealthAsync()
    {
        using var response = await Http.GetAsync(Location.Url(ServiceNames.Backend) + "/api/system/health/");
        var health = JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync());
        return health.GetProperty("components").GetProperty("cache").GetProperty("status").GetString();
    }

    private Task<(int Exit, string Output)> InvokeAsync(params string[] args) =>
        VerbInvoker.InvokeAsync([.. args, "--state-dir", Location.Paths.Root, "--port-offset", Location.Ports.Offset.ToString(CultureInfo.InvariantCulture)]);
}
