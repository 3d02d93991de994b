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
            (_, "critical") => "critical-team",
            (_, "warning") => "ops-team",
            var (_, other) => throw new Xunit.Sdk.XunitException($"{alert} has severity '{other}', which no route handles"),
        };
        Assert.Equal(expected, route.Receiver);
        Assert.NotEmpty(route.Deliveries);
        Assert.True(route.GroupWait >= TimeSpan.Zero && route.GroupInterval > TimeSpan.Zero && route.RepeatInterval >= route.GroupInterval,
            $"{alert}: group_wait {route.GroupWait}, group_interval {route.GroupInterval}, repeat_interval {route.RepeatInterval}");
    }
}
