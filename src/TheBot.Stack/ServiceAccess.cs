namespace TheBot.Stack;

/// <summary>
/// One row of the services table <c>up</c> prints (the seed's "Access Services"): how a person reaches a component and
/// with which credentials. Each component writes its own row, so the table is derived from the components.
/// </summary>
/// <param name="Service">The name shown.</param>
/// <param name="Url">Where it answers, or why it does not run here.</param>
/// <param name="Credentials">What it takes to get in (or <c>—</c>).</param>
public sealed record ServiceAccess(string Service, string Url, string Credentials)
{
    /// <summary>What the URL column says for an optional component whose binary is not installed here: run it through compose.</summary>
    public static string ThroughCompose(string service) =>
        $"not installed here: docker-compose -f monitoring/docker-compose.monitoring.yml up -d {service}";
}
