using System.Net.Sockets;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>start</c> of a component whose port is busy says how to move the stack to other ports in a way that works: a
/// running stack keeps its recorded port offset (another <c>--port-offset</c> is refused with exit 2), so the advice
/// is down, then up on another offset, or to free the port. No stack runs: a listener holds node_exporter's port.
/// </summary>
public sealed class ComponentPortRefusalTests : IAsyncLifetime
{
    private StackLocation _location = null!;

    public async Task InitializeAsync() => _location = await TemporaryStack.CreateAsync();

    public Task DisposeAsync() => TemporaryStack.RemoveAsync(_location);

    [Fact]
    public async Task Start_on_a_busy_port_advises_down_and_up_on_another_offset_not_port_offset_alone()
    {
        Directory.CreateDirectory(_location.Paths.Config); // the configs an earlier up rendered
        var busy = _location.Ports[ServiceNames.NodeExporter];
        using var squatter = new TcpListener(System.Net.IPAddress.Loopback, busy);
        squatter.Start();
        var printed = new StringWriter();

        var exit = await ComponentCommand.RunAsync(_location, "start", ServiceNames.NodeExporter, printed, CancellationToken.None);

        var text = printed.ToString();
        Assert.True(exit == 1, text);
        var root = _location.Paths.Root;
        Assert.Contains($"✗ port {busy} ({ServiceNames.NodeExporter}) is in use; pick another with ./thebot down --state-dir {root} --port-offset {_location.Ports.Offset}, "
            + $"then ./thebot up --detach --state-dir {root} --port-offset N (a running stack keeps the port offset it was started with), or free the port", text, StringComparison.Ordinal);
        Assert.Empty(ProcessSupervisor.ReadPidFiles(_location.Paths));
    }
}
