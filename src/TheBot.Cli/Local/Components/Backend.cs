using TheBot.Stack;

namespace TheBot.Cli.Local.Components;

/// <summary>
/// The reference backend (src/TheBot.Api): one instance per name of the topology, all with the same program,
/// database, cache and job (<c>thebot-backend</c>), each on its own port with its own service name (so its own log
/// file, <c>thebot-backend-2.log</c>). The bearer tokens of its system endpoints are the stack's secrets
/// (<see cref="StackSecrets"/>, saved into the state folder by <c>up</c>); the frontend and Prometheus read the same files.
/// </summary>
internal sealed class Backend(DotnetService host, PortPlan ports, StackSecrets secrets)
{
    /// <summary>The project the stack builds and runs.</summary>
    public const string Project = "TheBot.Api";

    /// <summary>The token Prometheus scrapes the system endpoints with (<see cref="SecretNames.ScrapeToken"/>).</summary>
    public string ScrapeToken { get; } = secrets.Get(SecretNames.ScrapeToken);

    /// <summary>The token of the admin endpoints (<see cref="SecretNames.AdminToken"/>).</summary>
    public string AdminToken { get; } = secrets.Get(SecretNames.AdminToken);

    /// <summary>The row of instance <paramref name="name"/> in the services table: its URL and the token files of its system endpoints.</summary>
    public ServiceAccess Access(string name) => new(name, $"http://127.0.0.1:{ports[name]}", host.SystemEndpointTokens);

    /// <summary>Instance <paramref name="name"/>; the test-only fault switch is off.</summary>
    public ProcessSpec Spec(string name, string postgres, string redis)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = postgres,
            ["ConnectionStrings__Redis"] = redis,
            ["Monitoring__JobName"] = "thebot-backend",
            ["Faults__Enabled"] = "false",
        };
        return host.Spec(name, Project, ports[name], environment, [ServiceNames.PostgreSql, ServiceNames.Redis]);
    }
}
