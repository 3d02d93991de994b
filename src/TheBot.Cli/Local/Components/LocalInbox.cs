using TheBot.Stack;

namespace TheBot.Cli.Local.Components;

/// <summary>
/// The local notification inbox (<see cref="Inbox.NotificationInbox"/>) as a stack process: this CLI's hidden
/// <c>inbox</c> verb on its own port (<see cref="ServiceNames.Inbox"/> in <see cref="PortPlan"/>), writing into
/// <paramref name="directory"/>; Alertmanager depends on it.
/// </summary>
internal sealed class LocalInbox(PortPlan ports, string directory, string dotnetHost)
{
    /// <summary>HTTP port on 127.0.0.1.</summary>
    public int Port { get; } = ports[ServiceNames.Inbox];

    /// <summary>Its row of the services table: where notifications are listed and the file they land in.</summary>
    public ServiceAccess Access => new("notification inbox", $"http://127.0.0.1:{Port}/notifications", $"local receivers write to {directory}/notifications.jsonl");

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => new(ServiceNames.Inbox, dotnetHost)
    {
        Arguments = [typeof(LocalInbox).Assembly.Location, "inbox", "--port", $"{Port}", "--dir", directory],
        Ports = new Dictionary<string, int> { ["http"] = Port },
        Readiness = ReadinessProbe.HttpGet($"http://127.0.0.1:{Port}/health"),
        Version = VersionProbe.Fixed("thebot inbox"),
    };
}
