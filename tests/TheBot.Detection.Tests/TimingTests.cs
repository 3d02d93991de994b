using TheBot.Cli.Local;
using Xunit;

namespace TheBot.Detection.Tests;

/// <summary>The derivation of the suites' waits (<see cref="DetectionTiming"/>) and the shared report file, without a stack.</summary>
public sealed class TimingTests : IDisposable
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private readonly string _dir = Directory.CreateTempSubdirectory("thebot-timing-").FullName;

    private readonly DetectionTiming _timing = new(new TimeCompression(15), Second, new DetectionTiming.ScrapeJob(Second, Second),
        ConfigRendererJobs());

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Finds_the_window_through_the_recording_rules()
    {
        var latency = _timing.Of("BackendHighLatency");
        Assert.Equal(TimeSpan.FromMinutes(5), latency.Fill);
        Assert.Equal(TimeSpan.FromMinutes(5), latency.Drain);
        // p95 ← job_le:…:rate5m ← raw buckets: two recording levels and the alert.
        Assert.Equal(3 * Second, latency.Evaluations);
        Assert.Equal(TimeSpan.FromSeconds(40), latency.For);
        Assert.Equal(TimeSpan.FromSeconds(40), latency.GroupInterval);
    }

    [Fact]
    public void A_multiwindow_alert_fills_with_its_long_window_and_drains_with_its_short_one()
    {
        var burn = _timing.Of("BackendErrorBudgetBurn1h");
        Assert.Equal(TimeSpan.FromHours(1), burn.Fill);
        Assert.Equal(TimeSpan.FromMinutes(5), burn.Drain);
    }

    [Fact]
    public void Uses_the_interval_of_the_job_the_series_come_from()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), _timing.Of("PostgreSQLDown").Scrape);
        Assert.Equal(TimeSpan.FromSeconds(4), _timing.Of("PostgreSQLDown").ScrapeTimeout);
        Assert.Equal(Second, _timing.Of("BackendServiceDown").Scrape);
        Assert.Equal(TimeSpan.Zero, _timing.Of("BackendServiceDown").Fill);
        // `up == 0` reads every job, the postgres one included.
        Assert.Equal(TimeSpan.FromSeconds(5), _timing.Of("TargetDown").Scrape);
    }

    [Fact]
    public void Floor_is_scrape_plus_detection_plus_evaluation_plus_for_plus_group_wait()
    {
        // 1 s scrape + 1 s evaluation (no recording rule) + 4 s (1m / 15) + 667 ms (10 s / 15, critical route).
        Assert.Equal(TimeSpan.FromMilliseconds(6667), _timing.Floor("FrontendServiceDown"));
        Assert.Equal(TimeSpan.FromMilliseconds(8667), _timing.Floor("FrontendServiceDown", 2 * Second));
        // BackendServiceDown has an absent() arm: its `for` stays at TimeCompression.AbsentMinimumFor (15 s).
        Assert.Equal(TimeSpan.FromMilliseconds(17667), _timing.Floor("BackendServiceDown"));
    }

    [Fact]
    public void A_resolution_waits_for_the_window_to_drain_and_the_next_flush()
    {
        // 300 s drain + 1 s scrape + 3 s evaluations + 40 s group_interval, × 1.2 + 10 s.
        Assert.Equal(TimeSpan.FromSeconds(((300 + 1 + 3 + 40) * 1.2) + 10), _timing.ToResolve("BackendHighLatency"));
    }

    [Fact]
    public void Splits_only_at_top_level_and()
    {
        Assert.Equal(2, DetectionTiming.TopLevelAnd("(a and b) and on (job) c").Count);
        Assert.Single(DetectionTiming.TopLevelAnd("sum(rate(x{handler=\"and\"}[5m])) > 0"));
    }

    [Fact]
    public void Each_suite_rewrites_only_its_own_section()
    {
        var file = Path.Combine(_dir, "detection.md");
        DetectionReport.WriteSection(file, nameof(ProductionFaultsSuite), "hangs v1");
        DetectionReport.WriteSection(file, nameof(DetectionSuite), "clean v1");
        DetectionReport.WriteSection(file, nameof(ProductionFaultsSuite), "hangs v2");
        var sections = DetectionReport.Read(File.ReadAllText(file));
        Assert.Equal("clean v1", sections[nameof(DetectionSuite)]);
        Assert.Equal("hangs v2", sections[nameof(ProductionFaultsSuite)]);
        Assert.True(File.ReadAllText(file).IndexOf("clean v1", StringComparison.Ordinal) < File.ReadAllText(file).IndexOf("hangs v2", StringComparison.Ordinal));
    }

    /// <summary>The jobs of monitoring/prometheus/prometheus.yml as a compressed run scrapes them (ConfigRenderer.ScrapeIntervalOf).</summary>
    private static Dictionary<string, DetectionTiming.ScrapeJob> ConfigRendererJobs() =>
        ConfigRenderer.JobServices.Keys.ToDictionary(job => job, job =>
            ConfigRenderer.ScrapeIntervalOf(job, Second) is var own && own != Second ? new DetectionTiming.ScrapeJob(own, own * 0.8) : new DetectionTiming.ScrapeJob(Second, Second));
}
