using TheBot.Stack;
using TheBot.Cli.Local.Components;
using TheBot.Stack.Components;

namespace TheBot.Cli.Local;

/// <summary>Where a local stack lives and how its ports are laid out: the flags every stack verb shares.</summary>
/// <param name="RepositoryRoot">The repository (monitoring/, src/, artifacts/).</param>
/// <param name="Paths">The state folder (<c>--state-dir</c>, default <c>.thebot/</c>).</param>
/// <param name="Ports">contract §3 ports plus <c>--port-offset</c>.</param>
internal sealed record StackLocation(string RepositoryRoot, StackPaths Paths, PortPlan Ports)
{
    /// <summary>Port of the local notification inbox (not in contract §3: it replaces real receivers locally).</summary>
    public int InboxPort => Ports[ServiceNames.Inbox];

    public string Url(string service) => $"http://127.0.0.1:{Ports[service]}";
}
