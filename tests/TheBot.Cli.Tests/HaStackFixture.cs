using System.Diagnostics;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// One HA stack for a test class, started the way a user starts it (<c>UpCommand.RunAsync</c> with
/// <c>--topology ha --backends 2</c>, detached, with the build) in a temp state folder on a port offset whose every
/// port, the HA members' included, is free; stopped through its pid files and deleted on dispose. Its rule files are
/// the committed ones except for the <c>for</c> of <see cref="ShortenedFor"/>'s alerts.
/// </summary>
public sealed class HaStackFixture : IAsyncLifetime
{
    private readonly StringWriter _upOutput = new();

    internal StackLocation Location { get; private set; } = null!;

    /// <summary>The stack as every verb reads it back from the state folder (topology included).</summary>
    internal LocalStack Stack => new(Location);

    /// <summary>What <c>up</c> printed.</summary>
    public string UpOutput => _upOutput.ToString();

    /// <summary>How long <c>up</c> took, build included.</summary>
    public TimeSpan UpTime { get; private set; }

    /// <summary>The VictoriaMetrics outage under way across steps (null when none was begun).</summary>
    internal StorageOutage? StorageOutage { get; set; }

    /// <summary>
    /// The HA self-monitoring alerts whose production <c>for</c> (5–10 m) outlasts what a test can wait: shortened in this
    /// stack's copy of alert_rules.yml, so the tests see them fire (and one delivered) on their real faults. Their
    /// expressions and thresholds are the committed ones; promtool's unit tests prove the production <c>for</c> at its
    /// edges (monitoring/prometheus/tests/edges_ha_test.yml).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> ShortenedFor = new Dictionary<string, TimeSpan>
    {
        ["PrometheusRemoteWriteBehind"] = TimeSpan.FromSeconds(15),
        ["AlertmanagerClusterMembersMissing"] = TimeSpan.FromSeconds(15),
        ["PrometheusReplicasDisagree"] = TimeSpan.FromSeconds(15),
        ["AlertmanagerClusterGossipFailing"] = TimeSpan.FromSeconds(15),
    };

    public async Task InitializeAsync()
    {
        Location = await TemporaryStack.CreateAsync();
        var profile = StackProfile.Standard with { RuleDirectory = WriteRules(Location) };
        var watch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var exit = await UpCommand.RunAsync(Location, detach: true, noBuild: false, _upOutput, timeout.Token, profile, StackTopology.Ha(2));
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
