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
    /// <summary>
    /// What the URL column says for an optional component whose binary is not installed here. The local stack starts
    /// it once its binary is on PATH (it is not in Debian's archive: the vendor's APT repository has it); the compose
    /// deployment runs its own copy beside its own Prometheus, not this stack's, so it is no stand-in here.
    /// </summary>
    public static string NotInstalled(string service, string binary) =>
        $"not installed here: put {binary} on PATH (the vendor's APT repository) and run up again; the compose deployment runs its own {service} (docs/operations.md)";
}
