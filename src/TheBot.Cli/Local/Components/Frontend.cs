using TheBot.Stack;

namespace TheBot.Cli.Local.Components;

/// <summary>
/// The reference frontend (src/TheBot.Web), pointing at the backend; in HA at every instance, through the destinations
/// file it re-reads when <c>./thebot scale</c> rewrites it (<see cref="BackendTargets"/>).
/// </summary>
internal sealed class Frontend(DotnetService host, PortPlan ports)
{
    /// <summary>The project the stack builds and runs.</summary>
    public const string Project = "TheBot.Web";

    /// <summary>Its row of the services table; in HA (<paramref name="backends"/> given) how many instances it balances across.</summary>
    public ServiceAccess Access(int? backends) => new(ServiceNames.Frontend, $"http://127.0.0.1:{ports[ServiceNames.Frontend]}",
        backends is { } count ? $"—; load-balances across {count} backend instance(s)" : "—");

    /// <summary>The spec; <paramref name="destinationsFile"/> is null in the single-node stack.</summary>
    public ProcessSpec Spec(string backendUrl, string? destinationsFile)
    {
        var environment = new Dictionary<string, string>
        {
            ["Backend__BaseUrl"] = backendUrl,
            ["Monitoring__JobName"] = "thebot-frontend",
        };
        if (destinationsFile is not null)
        {
            environment["Backend__DestinationsFile"] = destinationsFile;
        }

        return host.Spec(ServiceNames.Frontend, Project, ports[ServiceNames.Frontend], environment, [ServiceNames.Backend]);
    }
}
