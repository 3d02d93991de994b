namespace TheBot.Cli.Local;

/// <summary>When a component of the registry (<see cref="StackComponents"/>) runs: what the component verbs' help says about its name.</summary>
internal enum ComponentPresence
{
    /// <summary>In every stack.</summary>
    Always,

    /// <summary>Only where its binary is installed (and, for Grafana, an admin password is given).</summary>
    WhereInstalled,

    /// <summary>Only in the HA topology (<c>up --topology ha</c>).</summary>
    HighAvailabilityOnly,
}
