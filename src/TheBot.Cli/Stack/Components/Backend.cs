using TheBot.Stack;

namespace TheBot.Cli.Stack.Components;

/// <summary>
/// The reference backend (src/TheBot.Api): one instance per name of the topology, all with the same program,
/// database, cache and job (<c>thebot-backend</c>), each on its own port with its own service name (so its own log
/// file, <c>thebot-backend-2.log</c>).
/// </summary>
internal sealed class Backend(DotnetService host, PortPlan ports)
{
    /// <summary>The project the stack builds and runs.</summary>
    public const string Project = "TheBot.Api";

    /// <summary>The row of instance <paramref name="name"/> in the services table: its URL and the token files of its system endpoints.</summary>
    public ServiceAccess Access(string name) => new(name, $"http://127.0.0.1:{ports[name]}", host.SystemEndpointTokens);

    /// <summary>
    /// Instance <paramref name="name"/>; <paramref name="overrides"/> (a compressed profile's waiting times) win over
    /// what every instance gets.
    /// </summary>
    public ProcessSpec Spec(string name, string postgres, string redis, bool faultSwitch, IReadOnlyDictionary<string, string>? overrides)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = postgres,
            ["ConnectionStrings__Redis"] = redis,
            ["Monitoring__JobName"] = "thebot-backend",
            ["Faults__Enabled"] = faultSwitch ? "true" : "false",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return host.Spec(name, Project, ports[name], environment, [ServiceNames.PostgreSql, ServiceNames.Redis]);
    }
}
