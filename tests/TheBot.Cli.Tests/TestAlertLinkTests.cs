using System.Text.Json.Nodes;
using TheBot.Cli.Commands;
using TheBot.Cli.Inbox;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// The synthetic alert of <c>test-alert</c> links to this stack's Prometheus — its port, port offset included — at the
/// graph page of the alert's expression, as the alerts Prometheus sends do (<c>&lt;external URL&gt;/graph?g0.expr=…&amp;g0.tab=1</c>),
/// not to port 80 of the machine: the same link as the one Prometheus puts on the Watchdog, whose expression is the same.
/// Only the part of the stack the alerts travel runs: the stack's Prometheus and Alertmanager with their rendered
/// configs, and the local inbox that records every payload it is sent.
/// </summary>
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class TestAlertLinkTests : IAsyncLifetime
{
    private StackLocation _location = null!;
    private ProcessSupervisor _supervisor = null!;

    public async Task InitializeAsync()
    {
        _location = await TemporaryStack.CreateAsync();
        var stack = new LocalStack(_location);
        await stack.RenderConfigsAsync(CancellationToken.None);
        _supervisor = new ProcessSupervisor(_location.Paths);
        await _supervisor.StartAsync(stack.Specs().Where(s => s.Name is ServiceNames.Inbox or ServiceNames.Alertmanager or ServiceNames.Prometheus), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _supervisor.DisposeAsync();
        await TemporaryStack.RemoveAsync(_location);
    }

    [Fact]
    public async Task The_test_alert_links_to_this_stacks_Prometheus_graph_of_its_expression()
    {
        var printed = new StringWriter();
        var exit = await TestAlertCommand.RunAsync(_location, "critical", TimeSpan.FromSeconds(60), printed, CancellationToken.None);
        Assert.True(exit == 0, printed.ToString());

        var link = $"http://127.0.0.1:{_location.Ports[ServiceNames.Prometheus]}/graph?g0.expr=vector%281%29&g0.tab=1";
        Assert.NotEmpty(InboxAlerts("TheBotTestAlert"));
        Assert.All(InboxAlerts("TheBotTestAlert"), alert => Assert.Equal(link, (string?)alert["generatorURL"]));

        // Prometheus' own link for the same expression, on the Watchdog it sends (no `for`, so from its first evaluation).
        // Up to a minute more: a first send before Prometheus has discovered Alertmanager is dropped, and the re-send
        // waits --rules.alert.resend-delay (1 m).
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(150), () => Task.FromResult(InboxAlerts("Watchdog").Count > 0 ? null : "no Watchdog in the inbox yet"));
        Assert.All(InboxAlerts("Watchdog"), alert => Assert.Equal(link, (string?)alert["generatorURL"]));
    }

    /// <summary>Every alert named <paramref name="alertName"/> in the payloads the inbox recorded.</summary>
    private List<JsonNode> InboxAlerts(string alertName) =>
        [.. NotificationInbox.Read(new LocalStack(_location).InboxDirectory)
            .SelectMany(n => n["payload"]!["alerts"]!.AsArray().OfType<JsonNode>())
            .Where(alert => (string?)alert["labels"]!["alertname"] == alertName)];
}
