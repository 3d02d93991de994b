using Xunit;

namespace TheBot.Detection.Tests;

/// <summary>
/// Every production alert's route as the suites read it (<see cref="AlertCatalog.RouteFor"/>, Alertmanager's answer
/// through amtool), checked without a stack: a routing mistake shows here in seconds instead of after the suites'
/// half hour.
/// </summary>
public sealed class AlertCatalogTests
{
    public static TheoryData<string> Alerts => new(AlertCatalog.ProductionAlerts.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Alerts))]
    public void Each_alert_reaches_the_receiver_of_its_severity_with_its_timers_and_deliveries(string alert)
    {
        var route = AlertCatalog.RouteFor(alert);
        var expected = (alert, AlertCatalog.Severity(alert)) switch
        {
            ("Watchdog", _) => "deadmans-switch",
            (_, "none") => "silent",
            (_, "critical") => "critical-team",
            (_, "warning") => "ops-team",
            var (_, other) => throw new Xunit.Sdk.XunitException($"{alert} has severity '{other}', which no route handles"),
        };
        Assert.Equal(expected, route.Receiver);
        // An inhibition source (severity none) reaches no integration; every other alert reaches at least one.
        Assert.Equal(expected == "silent", route.Deliveries.Count == 0);
        // A repeat shorter than the group interval re-sends at every flush: right for the Watchdog's heartbeat (every
        // minute, WatchdogCadenceTests), a mistake anywhere else (a page repeated every few minutes).
        var repeatsEveryFlush = route.RepeatInterval < route.GroupInterval;
        Assert.True(route.GroupWait >= TimeSpan.Zero && route.GroupInterval > TimeSpan.Zero && route.RepeatInterval > TimeSpan.Zero
            && repeatsEveryFlush == (alert == "Watchdog"),
            $"{alert}: group_wait {route.GroupWait}, group_interval {route.GroupInterval}, repeat_interval {route.RepeatInterval}");
    }

    [Fact]
    public void A_nested_route_gets_its_timers_from_its_nearest_ancestor_that_sets_them()
    {
        // critical alerts go through a team route (group_wait 7s) to a nested route that only names the receiver;
        // group_interval and repeat_interval come from the top route. Read by amtool for the receiver, as in production.
        var file = Path.Combine(Directory.CreateTempSubdirectory("thebot-routes-").FullName, "alertmanager.yml");
        try
        {
            File.WriteAllText(file, """
                route:
                  receiver: default
                  group_by: [alertname]
                  group_wait: 30s
                  group_interval: 2m
                  repeat_interval: 3h
                  routes:
                    - matchers: ['component=~".+"']
                      group_wait: 7s
                      routes:
                        - matchers: ['severity="critical"']
                          receiver: pager
                receivers:
                  - name: default
                    webhook_configs: [{ url: 'http://127.0.0.1:9/default' }]
                  - name: pager
                    webhook_configs: [{ url: 'http://127.0.0.1:9/pager', send_resolved: true }]
                """);
            var critical = AlertCatalog.ProductionAlerts.Keys.Order(StringComparer.Ordinal).First(a => AlertCatalog.Severity(a) == "critical" && AlertCatalog.Label(a, "component") != string.Empty);

            var route = AlertCatalog.RouteFor(critical, file);

            Assert.Equal(("pager", TimeSpan.FromSeconds(7), TimeSpan.FromMinutes(2), TimeSpan.FromHours(3)), (route.Receiver, route.GroupWait, route.GroupInterval, route.RepeatInterval));
            Assert.Equal([("webhook", "pager")], route.Deliveries);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }
}
