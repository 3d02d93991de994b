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

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    public async Task A_probe_interval_that_is_not_positive_fails_start_up_naming_the_setting(string interval)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(new SlowCheck(), interval));
        Assert.Contains("Monitoring:Health:ProbeInterval", error.Message, StringComparison.Ordinal);
    }
}
