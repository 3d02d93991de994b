using TheBot.Stack;

namespace TheBot.Cli.Local;

/// <summary>
/// One component as the local stack runs it, an entry of <see cref="StackComponents.All"/>: everything the stack's
/// lists need from it, so the process list, the services table, the Debian package list and the component verbs' help
/// all follow from the registry. What a process is (arguments, ports, readiness, dependencies, package, secrets) stays
/// in the component's own file; an entry only says which of the stack's instances it contributes.
/// </summary>
/// <param name="Name">Its service name (the first instance's, for a component with several), as <c>status</c> lists it.</param>
internal sealed record StackComponent(string Name)
{
    /// <summary>The binaries it needs installed → the Debian package of each (the component's own <c>Packages</c>); none for ours.</summary>
    public IReadOnlyList<(string Binary, string Package)> Packages { get; init; } = [];

    /// <summary>Other names the component verbs accept for it (the runbooks say <c>postgres</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>When it runs, as the component verbs' help tells.</summary>
    public ComponentPresence Presence { get; init; } = ComponentPresence.Always;

    /// <summary>How the help names its further instances in the HA topology (e.g. <c>prometheus-b</c>); null when it has none.</summary>
    public string? HighAvailabilityInstances { get; init; }

    /// <summary>
    /// Where its rows sit in the services table (ascending): a person looks for the platform first, then monitoring,
    /// the exporters, the data stores and the inbox, which is not the order the processes start in.
    /// </summary>
    public required int TablePosition { get; init; }

    /// <summary>Its processes in the given stack, in start order (none where an optional component is not installed).</summary>
    public required Func<LocalStack, IEnumerable<ProcessSpec>> Specs { get; init; }

    /// <summary>Its rows of the services table, given the names of the processes started.</summary>
    public required Func<LocalStack, IReadOnlyCollection<string>, IEnumerable<ServiceAccess>> Rows { get; init; }
}
