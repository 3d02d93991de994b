using System.Globalization;
using TheBot.Cli.Config;
using TheBot.MonitoringConfig.Tests.Support;
using TheBot.Testing;
using TheBot.Testing.Sinks;
using Xunit;

namespace TheBot.MonitoringConfig.Tests;

/// <summary>
/// The dead man's switch gets the Watchdog at every group interval of its route, not every other one. Alertmanager
/// re-sends a firing group at a flush only when the last notification is older than <c>repeat_interval</c>, and that
/// notification was logged a moment after the previous flush: with <c>repeat_interval</c> equal to
/// <c>group_interval</c> the check misses by milliseconds and the heartbeat comes every two intervals, which a switch
/// set to the documented one minute reads as an outage. A real Alertmanager runs the committed route's timing, scaled
/// by 1/10 to keep the test short (the ratio is what matters), and the project's webhook sink counts the heartbeats.
/// </summary>
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class WatchdogCadenceTests
{
    private const int Scale = 10;

    [Fact]
    public async Task The_watchdog_reaches_the_dead_mans_switch_at_every_group_interval()
    {
        var route = YamlMap.Load(AlertmanagerConfig.CommittedPath).At("route", "routes").AsList()
            .Select(r => r.AsMap())
            .Single(r => r["receiver"] as string == "deadmans-switch");
        var groupInterval = PrometheusDuration.Parse((string)route["group_interval"]) / Scale;
        var repeatInterval = PrometheusDuration.Parse((string)route["repeat_interval"]) / Scale;

        await using var sinks = await HttpSinks.StartAsync(routingKey: "unused");
        var config = $"""
            route:
              receiver: deadmans-switch
              group_by: [alertname]
              group_wait: 0s
              group_interval: {Ms(groupInterval)}
              repeat_interval: {Ms(repeatInterval)}
            receivers:
              - name: deadmans-switch
                webhook_configs:
                  - url: {sinks.WebhookUrl("deadmans-switch")}
                    send_resolved: false
            """;
        await using var alertmanager = await AlertmanagerServer.StartNewAsync(config);
        var now = DateTimeOffset.UtcNow;
        await alertmanager.PostAlertsAsync([new
        {
            labels = new Dictionary<string, string> { ["alertname"] = "Watchdog", ["severity"] = "none" },
            startsAt = now.ToString("O", CultureInfo.InvariantCulture),
            endsAt = now.AddMinutes(10).ToString("O", CultureInfo.InvariantCulture),
        }]);

        // Five intervals after the first notification: four more at the route's cadence, two with the old timing.
        var watched = groupInterval * 5.5;
        Assert.NotNull(await sinks.Log.WaitForAsync(_ => true, TimeSpan.FromSeconds(10)));
        await Task.Delay(watched);
        var heartbeats = sinks.Log.All;
        Assert.All(heartbeats, n => Assert.True(n.Valid, string.Join("; ", n.Problems)));
        var seen = heartbeats.Select(n => n.ReceivedAt).ToList();

        var gaps = seen.Zip(seen.Skip(1), (a, b) => b - a).ToList();
        Assert.True(seen.Count >= 5, $"{seen.Count} heartbeats in {watched.TotalSeconds:F1} s after the first (group_interval {groupInterval.TotalSeconds} s, repeat_interval {repeatInterval.TotalSeconds} s); gaps: {string.Join(", ", gaps.Select(g => $"{g.TotalSeconds:F1} s"))}");
        Assert.All(gaps, gap => Assert.True(gap < groupInterval * 1.5, $"a heartbeat came {gap.TotalSeconds:F1} s after the one before, over 1.5 group intervals"));
    }

    private static string Ms(TimeSpan duration) => $"{(long)duration.TotalMilliseconds}ms";
}
