using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using TheBot.Platform.Tests.Support;
using TheBot.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TheBot.Platform.Tests;

/// <summary>
/// Health that tells the truth when the postmaster alone hangs (the pool's connections still work) and when a load
/// balancer hammers readiness meanwhile: the background probe's new connection fails, readiness turns 503 and
/// <c>thebot_health_component_up{component="database"}</c> 0, and a storm of readiness requests costs one check at a time.
/// </summary>
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class HealthProbeTests(PlatformFixture platform, ITestOutputHelper output) : IClassFixture<PlatformFixture>
{
    private const string DatabaseUp = "thebot_health_component_up{component=\"database\"}";
    private const string CacheUp = "thebot_health_component_up{component=\"cache\"}";

    /// <summary>Monitoring:Health:CheckTimeout's default: the most a readiness request may wait for a hung check.</summary>
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The fixture's Monitoring:Health:ProbeInterval.</summary>
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Hung_postmaster_with_a_warm_pool_makes_readiness_503_a_probe_storm_answers_fast_with_few_probes_and_it_recovers()
    {
        // Warm the pool: several connections open and idle, so requests during the hang can be served by them.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => platform.GetAsync("/api/users")));
        await platform.WaitForMetricsAsync(m => m.Series.ContainsKey(DatabaseUp) && m[DatabaseUp] == 1 && m[CacheUp] == 1, "database and cache up before the hang");
        var pooledBefore = ConnectionsTo(platform.Postgres.Port);

        var backend = platform.Backend.Process;
        using (FrozenServer.Freeze(platform.Postgres, rootOnly: true))
        {
            // The pool still answers (that is what hid this outage); the health check's new connection does not.
            Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/users")).Status);
            var hung = Stopwatch.StartNew();
            await TestHttp.WaitUntilAsync(async () => (await platform.GetAsync("/api/system/readiness/")).Status == HttpStatusCode.ServiceUnavailable,
                ProbeInterval + CheckTimeout + TimeSpan.FromSeconds(2), () => "readiness still 200 with the postmaster stopped");
            output.WriteLine($"readiness 503 after {hung.Elapsed.TotalSeconds:0.00} s of postmaster hang");
            var down = await platform.WaitForMetricsAsync(m => m.Series.ContainsKey(DatabaseUp) && m[DatabaseUp] == 0, "database gauge 0 during the hang");
            Assert.Equal(1, down[CacheUp]);
            Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/system/liveness/")).Status);
            var (_, health, _) = await platform.GetAsync("/api/system/health/");
            Assert.Equal("unhealthy", health.GetProperty("components").GetProperty("database").GetProperty("status").GetString());

            // A probe storm: 400 readiness requests at once, a load balancer's worth.
            var watch = Stopwatch.StartNew();
            var storm = await Task.WhenAll(Enumerable.Range(0, 400).Select(async _ =>
            {
                var started = watch.Elapsed;
                var (status, body, _) = await platform.GetAsync("/api/system/readiness/");
                var database = body.GetProperty("components").GetProperty("database");
                return (Status: status, Took: watch.Elapsed - started, CheckedAt: database.GetProperty("checked_at").GetString()!);
            }));
            var stormSeconds = watch.Elapsed.TotalSeconds;
            var extraConnections = ConnectionsTo(platform.Postgres.Port) - pooledBefore;

            var took = storm.Select(r => r.Took.TotalSeconds).Order().ToArray();
            var checks = storm.Select(r => r.CheckedAt).Distinct().Count();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"storm: 400 requests in {stormSeconds:0.00} s; latency p50 {took[199]:0.000} s, p95 {took[379]:0.000} s, max {took[^1]:0.000} s; " +
                $"{checks} distinct database checks answered them; TCP connections to PostgreSQL beyond the pool: {extraConnections}"));
            Assert.All(storm, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status));
            Assert.True(took[^1] < (CheckTimeout + TimeSpan.FromSeconds(1.5)).TotalSeconds, $"slowest readiness answer took {took[^1]} s");
            // One check at a time, each at most CheckTimeout long, a new one at most every ProbeInterval: a handful, not 400.
            var bound = (int)Math.Ceiling(stormSeconds / ProbeInterval.TotalSeconds) + 2;
            Assert.True(checks <= bound, $"{checks} database checks for 400 requests in {stormSeconds:0.00} s (at most {bound})");
            Assert.True(extraConnections <= 3, $"{extraConnections} connections to PostgreSQL beyond the {pooledBefore} of the pool");
        }

        // SIGCONT: the postmaster serves the waiting connections and the next probe succeeds.
        var resumed = Stopwatch.StartNew();
        await platform.WaitReadyAsync(platform.Url, ProbeInterval + CheckTimeout + TimeSpan.FromSeconds(3));
        output.WriteLine($"readiness 200 again {resumed.Elapsed.TotalSeconds:0.00} s after SIGCONT");
        await platform.WaitForMetricsAsync(m => m[DatabaseUp] == 1, "database gauge back to 1");
        Assert.Equal(HttpStatusCode.OK, (await platform.GetAsync("/api/users")).Status);
        Assert.Equal(backend, platform.Backend.Process);
    }

    [Fact]
    public async Task Health_components_tell_when_they_were_checked_and_answers_are_never_older_than_the_probe_interval()
    {
        var (status, health, _) = await platform.GetAsync("/api/system/health/");
        Assert.Equal(HttpStatusCode.OK, status);
        var now = DateTimeOffset.UtcNow;
        foreach (var component in health.GetProperty("components").EnumerateObject())
        {
            var checkedAt = component.Value.GetProperty("checked_at").GetDateTimeOffset();
            var age = now - checkedAt;
            // The probe interval plus the time a check and this request may take.
            Assert.True(age < ProbeInterval + TimeSpan.FromSeconds(1), $"{component.Name} checked {age} ago");
            Assert.Equal(JsonValueKind.Number, component.Value.GetProperty("duration_seconds").ValueKind);
        }
    }

    /// <summary>Client-side TCP connections (established or being opened) to <paramref name="port"/> on this host.</summary>
    private static int ConnectionsTo(int port)
    {
        var hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            // rem_address is HEXIP:HEXPORT; state 01 = ESTABLISHED, 02 = SYN_SENT.
            .Count(fields => fields[2].EndsWith(":" + hexPort, StringComparison.Ordinal) && fields[3] is "01" or "02");
    }
}
