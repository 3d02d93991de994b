using TheBot.Cli.Checks;
using TheBot.Testing;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// Routing answered by amtool (<see cref="AlertmanagerRoutes"/>) on the committed alertmanager.yml, for alerts with
/// the labels their committed rules give them. amtool accepts the unrendered file: its ${NAME} placeholders sit in
/// fields it does not validate or in URLs kept valid (https://unset.invalid/...).
/// </summary>
public sealed class AlertmanagerRoutesTests
{
    private static readonly string Committed = Repository.PathOf("monitoring/alertmanager/alertmanager.yml");

    [Theory]
    [InlineData("BackendServiceDown", "critical", "critical-team")]
    [InlineData("BackendHighLatency", "warning", "ops-team")]
    [InlineData("Watchdog", "none", "deadmans-switch")]
    public async Task Routes_committed_alerts_to_their_receiver(string alert, string severity, string receiver)
    {
        var labels = RuleLabels(alert);
        Assert.Equal(severity, labels["severity"]);
        Assert.Equal([receiver], await AlertmanagerRoutes.ReceiversAsync(Committed, labels));
    }

    [Fact]
    public async Task Counts_every_matcher_kind_and_continue_as_alertmanager_does()
    {
        using var dir = new CheckTempDir();
        var file = dir.File("alertmanager.yml");
        await File.WriteAllTextAsync(file, """
            route:
              receiver: fallback
              routes:
                - matchers: ['severity=~"crit.*"', 'component!="system"']
                  receiver: pager
                  continue: true
                - matchers: ['team="a, b=c"']
                  receiver: quoted
                - matchers: ['severity=~"crit.*"']
                  receiver: chat
            receivers: [{name: fallback}, {name: pager}, {name: chat}, {name: quoted}]
            """);

        Assert.Equal(["pager", "chat"], await AlertmanagerRoutes.ReceiversAsync(file, Labels(("alertname", "X"), ("severity", "critical"), ("component", "backend"))));
        Assert.Equal(["chat"], await AlertmanagerRoutes.ReceiversAsync(file, Labels(("alertname", "X"), ("severity", "critical"), ("component", "system"))));
        Assert.Equal(["quoted"], await AlertmanagerRoutes.ReceiversAsync(file, Labels(("alertname", "X"), ("team", "a, b=c"))));
        Assert.Equal(["fallback"], await AlertmanagerRoutes.ReceiversAsync(file, Labels(("alertname", "X"), ("severity", "warning"))));
    }

    [Fact]
    public async Task Refuses_a_config_amtool_rejects_with_its_reason()
    {
        using var dir = new CheckTempDir();
        var file = dir.File("alertmanager.yml");
        await File.WriteAllTextAsync(file, "route:\n  receiver: nobody\nreceivers:\n  - name: somebody\n");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AlertmanagerRoutes.ReceiversAsync(file, Labels(("alertname", "X"))));
        Assert.Contains("undefined receiver \"nobody\"", error.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => AlertmanagerRoutes.ReceiversAsync(dir.File("absent.yml"), Labels(("alertname", "X"))));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Labels(params (string Name, string Value)[] labels) =>
        labels.ToDictionary(l => l.Name, l => l.Value, StringComparer.Ordinal);

    // The alert's labels as Prometheus sends them: its rule's labels plus alertname.
    private static Dictionary<string, string> RuleLabels(string alert)
    {
        var rule = CommittedAlerts.Rules().Single(r => r.At("alert").AsText() == alert);
        var labels = rule.At("labels").AsMap().ToDictionary(p => (string)p.Key, p => p.Value.AsText()!, StringComparer.Ordinal);
        labels["alertname"] = alert;
        return labels;
    }
}
