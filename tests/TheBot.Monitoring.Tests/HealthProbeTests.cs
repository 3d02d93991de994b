using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TheBot.Monitoring.Health;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>The background probe: single flight under a storm, results reused within the probe interval, the gauge, the option's validation.</summary>
public sealed class HealthProbeTests
{
    /// <summary>A ready check that takes <see cref="Delay"/> and fails while <see cref="Failing"/>, counting its runs.</summary>
    private sealed class SlowCheck : IHealthCheck
    {
        public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(800);

        private int _runs;
        private int _running;
        private int _mostAtOnce;

        public int Runs => Volatile.Read(ref _runs);

        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        public volatile bool Failing;

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _runs);
            var now = Interlocked.Increment(ref _running);
            int seen;
            while ((seen = Volatile.Read(ref _mostAtOnce)) < now && Interlocked.CompareExchange(ref _mostAtOnce, now, seen) != seen)
            {
            }

            try
            {
                await Task.Delay(Delay, cancellationToken);
                return Failing ? HealthCheckResult.Unhealthy("down") : HealthCheckResult.Healthy("up");
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    private static Task<TestApp> StartAsync(SlowCheck check, string probeInterval) =>
        TestApp.StartAsync(_ => { }, services => services.AddHealthChecks().AddCheck("slow", check, tags: [HealthTags.Ready]),
            settings: new Dictionary<string, string?> { ["Monitoring:Health:ProbeInterval"] = probeInterval });

    [Fact]
    public async Task A_storm_of_readiness_requests_shares_one_check_at_a_time_and_the_gauge_follows_the_component()
    {
        var check = new SlowCheck();
        await using var app = await StartAsync(check, "00:00:01");
        using var first = await app.GetAsync("/api/system/readiness/", null);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("thebot_health_component_up{component=\"slow\"} 1\n", await app.ScrapeAsync());

        check.Failing = true;
        var runsBefore = check.Runs;
        var watch = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 300).Select(async _ =>
        {
            var started = watch.Elapsed;
            using var response = await app.GetAsync("/api/system/readiness/", null);
            return (response.StatusCode, Took: watch.Elapsed - started);
        }));
        var elapsed = watch.Elapsed;
        var runs = check.Runs - runsBefore;

        // Each answer is a result at most 1 s old or the running check's: never more than one check's time to wait.
        Assert.All(answers, a => Assert.True(a.Took < SlowCheck.Delay + TimeSpan.FromSeconds(1), $"a readiness answer took {a.Took}"));
        Assert.Equal(1, check.MostAtOnce);
        // 300 requests, yet only the checks the probe's cadence allows: one per interval (or back to back) plus one.
        Assert.True(runs <= (int)Math.Ceiling(elapsed / SlowCheck.Delay) + 2, $"{runs} checks for 300 requests in {elapsed}");

        // The probe runs by itself: the failure reaches the gauge and readiness without anyone asking in between.
        await TestHttp.WaitUntilAsync(async () => (await app.ScrapeAsync()).Contains("thebot_health_component_up{component=\"slow\"} 0\n"),
            TimeSpan.FromSeconds(5), () => "gauge 0 after the component failed");
        using var unready = await app.GetAsync("/api/system/readiness/", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.StatusCode);
        var body = await unready.Content.ReadFromJsonAsync<JsonElement>();
        var slow = body.GetProperty("components").GetProperty("slow");
        Assert.Equal("unhealthy", slow.GetProperty("status").GetString());
        Assert.True(DateTimeOffset.UtcNow - slow.GetProperty("checked_at").GetDateTimeOffset() < TimeSpan.FromSeconds(2.5));
    }

    [Fact]
    public async Task Results_are_reused_within_the_probe_interval()
    {
        var check = new SlowCheck();
        await using var app = await StartAsync(check, "00:01:00");
        using (var first = await app.GetAsync("/api/system/health/", null))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var runs = check.Runs;
        for (var i = 0; i < 20; i++)
        {
            // Fresh for a minute: no request waits for a check (each would take the check's 800 ms).
            var watch = Stopwatch.StartNew();
            using var again = await app.GetAsync("/api/system/readiness/", null);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.True(watch.Elapsed < SlowCheck.Delay, $"a cached answer took {watch.Elapsed}");
        }

        Assert.Equal(runs, check.Runs);
    }

    [Fact]
    public async Task A_check_that_cannot_be_built_is_reported_failing_and_the_host_keeps_running()
    {
        // The framework's runner calls a registration's factory outside its own try: the exception used to escape the
        // background probe and stop the host.
        await using var app = await TestApp.StartAsync(_ => { },
            services => services.AddHealthChecks().Add(new HealthCheckRegistration(
                "broken", _ => throw new InvalidOperationException("secret connection string in this message"), HealthStatus.Unhealthy, [HealthTags.Ready])),
            settings: new Dictionary<string, string?> { ["Monitoring:Health:ProbeInterval"] = "00:00:00.2" });

        await Task.Delay(TimeSpan.FromSeconds(1)); // several ticks of the probe
        var lifetime = app.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host is stopping");
        using var liveness = await app.GetAsync("/api/system/liveness/", null);
        Assert.Equal(HttpStatusCode.OK, liveness.StatusCode);
        using var readiness = await app.GetAsync("/api/system/readiness/", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
        using var health = await app.GetAsync("/api/system/health/", null);
        var broken = (await health.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("components").GetProperty("broken");
        Assert.Equal("unhealthy", broken.GetProperty("status").GetString());
        var description = broken.GetProperty("description").GetString();
        Assert.Equal("the check could not run (InvalidOperationException)", description);
        Assert.Contains("thebot_health_component_up{component=\"broken\"} 0\n", await app.ScrapeAsync());
    }

    [Fact]
    public async Task A_hung_host_check_without_a_timeout_does_not_stall_the_other_components()
    {
        // A host's AddCheck has no timeout; one that never returns (and ignores its token) used to hold the background
        // probe's tick, so no other component was checked again and their gauges froze.
        var never = new TaskCompletionSource<HealthCheckResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        await using var app = await TestApp.StartAsync(_ => { },
            services => services.AddHealthChecks()
                .AddAsyncCheck("stuck", () => never.Task, tags: [HealthTags.Ready])
                .AddCheck("counted", () =>
                {
                    Interlocked.Increment(ref runs);
                    return HealthCheckResult.Healthy();
                }, tags: [HealthTags.Ready]),
            settings: new Dictionary<string, string?>
            {
                ["Monitoring:Health:ProbeInterval"] = "00:00:00.2",
                ["Monitoring:Health:CheckTimeout"] = "00:00:00.3",
            });
        try
        {
            await TestHttp.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref runs) >= 5), TimeSpan.FromSeconds(10),
                () => $"the other component ran {Volatile.Read(ref runs)} time(s) while the hung check hung");
            using var health = await app.GetAsync("/api/system/health/", null);
            var stuck = (await health.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("components").GetProperty("stuck");
            Assert.Equal("unhealthy", stuck.GetProperty("status").GetString());
            // The tick that gave up on it says why; the later ones, that it is still running (no second check is started).
            Assert.Contains(stuck.GetProperty("description").GetString(),
                new[] { "the check did not finish within 0.3 s (it has no timeout of its own; Monitoring:Health:CheckTimeout applies)", "the previous check of this component has still not finished" });
            Assert.Contains("thebot_health_component_up{component=\"stuck\"} 0\n", await app.ScrapeAsync());
        }
        finally
        {
            never.TrySetResult(HealthCheckResult.Healthy());
        }
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    public async Task A_probe_interval_that_is_not_positive_fails_start_up_naming_the_setting(string interval)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(new SlowCheck(), interval));
        Assert.Contains("Monitoring:Health:ProbeInterval", error.Message, StringComparison.Ordinal);
    }
}
