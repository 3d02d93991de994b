using System.Diagnostics;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// One HA stack for a test class, started the way a user starts it (<c>UpCommand.RunAsync</c> with
/// <c>--topology ha --backends 2</c>, detached, <c>--no-build</c> once <see cref="ServicesBuild"/> has built the
/// services) in a temp state folder on a port offset whose every port, the HA members' included, is free; stopped
/// through its pid files and deleted on dispose. Its rule files are the committed ones except for the <c>for</c> of
/// <see cref="ShortenedFor"/>'s alerts, its alertmanager.yml the rendered one except for the warning route's
/// group_wait (<see cref="HaWarningWait"/>), and it scrapes and evaluates every <see cref="ScrapeInterval"/>.
/// </summary>
public sealed class HaStackFixture : IAsyncLifetime
{
    /// <summary>
    /// xUnit collection of <see cref="HaTopologyTests"/> alone. Not <see cref="TemporaryStack.Collection"/>: its steps
    /// spend about 7 minutes waiting for scrapes, <c>for</c> and group waits on a mostly idle stack, and the other
    /// own-stack classes (about 5 minutes) run beside it instead of after it. Each stack has its own state folder,
    /// port offset (<see cref="TemporaryStack.CreateAsync"/> never hands out a claimed port twice) and inbox.
    /// </summary>
    public const string Collection = "the HA stack";

    private readonly StringWriter _upOutput = new();

    internal StackLocation Location { get; private set; } = null!;

    /// <summary>The stack as every verb reads it back from the state folder (topology included).</summary>
    internal LocalStack Stack => new(Location);

    /// <summary>What <c>up</c> printed.</summary>
    public string UpOutput => _upOutput.ToString();

    /// <summary>How long <c>up</c> took (the services were built before, <see cref="ServicesBuild"/>).</summary>
    public TimeSpan UpTime { get; private set; }

    /// <summary>The VictoriaMetrics outage under way across steps (null when none was begun).</summary>
    internal StorageOutage? StorageOutage { get; set; }

    /// <summary>
    /// The HA self-monitoring alerts whose production <c>for</c> (5–10 m) outlasts what a test can wait: shortened in this
    /// stack's copy of alert_rules.yml, so the tests see them fire (and one delivered) on their real faults. Their
    /// expressions and thresholds are the committed ones; promtool's unit tests prove the production <c>for</c> at its
    /// edges (monitoring/prometheus/tests/edges_ha_test.yml). FrontendServiceDown (1 m) too: its step proves delivery
    /// through a cluster that lost a member, not its <c>for</c> (<c>up == 0</c>, so nothing fires it at start-up);
    /// BackendServiceDown keeps its 1 m, as its <c>absent()</c> branch is true until the first scrape.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> ShortenedFor = new Dictionary<string, TimeSpan>
    {
        ["PrometheusRemoteWriteBehind"] = TimeSpan.FromSeconds(15),
        ["AlertmanagerClusterMembersMissing"] = TimeSpan.FromSeconds(15),
        ["PrometheusReplicasDisagree"] = TimeSpan.FromSeconds(15),
        ["AlertmanagerClusterGossipFailing"] = TimeSpan.FromSeconds(15),
        ["FrontendServiceDown"] = TimeSpan.FromSeconds(15),
    };

    /// <summary>
    /// The stack's global scrape and evaluation interval instead of the committed 15 s. The steps wait again and again
    /// for a scrape, an evaluation, VictoriaMetrics' dedup window and latency offset (one interval each), and hold
    /// traffic and outages for a number of intervals: at 15 s that was most of the class's time. What they prove does
    /// not depend on it, as every wait, window and sample count in <see cref="HaTopologyTests"/> is derived from the
    /// interval, and the rules' range windows (5 m and longer) keep their length with more samples in them. Not below
    /// 5 s: that is the postgres job's floor (<see cref="ConfigRenderer.MinimumScrapeInterval"/>), so every job still
    /// runs at the one interval the sample counts assume, and the fixed 5 s waits (discovery throttle, remote_write's
    /// send deadline, the drain) would dominate below it anyway. Verbs run later read it back from the rendered
    /// prometheus.yml (<see cref="LocalStack.ScrapeInterval"/>): a restarted VictoriaMetrics deduplicates at it too.
    /// </summary>
    public static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(5);

    public async Task InitializeAsync()
    {
        Location = await TemporaryStack.CreateAsync();
        var customization = new HaWarningWait { ScrapeInterval = ScrapeInterval, RuleDirectory = WriteRules(Location) };
        // Built once for the process, never beside another build (ServicesBuild); this up then uses them as built.
        await ServicesBuild.EnsureAsync(Location);
        var watch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var exit = await UpCommand.RunAsync(Location, detach: true, noBuild: true, _upOutput, timeout.Token, customization, StackTopology.Ha(2));
        UpTime = watch.Elapsed;
        if (exit != 0)
        {
            await DisposeAsync();
            throw new InvalidOperationException($"up --topology ha failed with exit {exit}:\n{UpOutput}");
        }
    }

    public Task DisposeAsync() => TemporaryStack.RemoveAsync(Location);

    /// <summary>The committed rule files, with <see cref="ShortenedFor"/> applied, in the state folder; returns their folder.</summary>
    private static string WriteRules(StackLocation location)
    {
        var source = Path.Combine(location.RepositoryRoot, "monitoring", "prometheus");
        var destination = Path.Combine(location.Paths.Root, "rules-shortened");
        Directory.CreateDirectory(destination);
        File.Copy(Path.Combine(source, "recording_rules.yml"), Path.Combine(destination, "recording_rules.yml"));
        File.WriteAllText(Path.Combine(destination, "alert_rules.yml"), AlertRules.WithFor(File.ReadAllText(Path.Combine(source, "alert_rules.yml")), ShortenedFor));
        return destination;
    }
}
