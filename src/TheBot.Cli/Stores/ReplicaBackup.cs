namespace TheBot.Cli.Stores;

/// <summary>
/// What <c>backup</c> did with one Prometheus replica: its verified copy, or why there is none.
/// </summary>
/// <param name="Service">The replica's service name (<c>prometheus</c>, <c>prometheus-b</c>).</param>
/// <param name="Folder">The verified copy; null when there is none.</param>
/// <param name="Blocks">Blocks <c>promtool tsdb list</c> shows in the copy.</param>
/// <param name="Samples">Samples in those blocks.</param>
/// <param name="Bytes">Size of the copy.</param>
/// <param name="Reason">Why there is no copy (the replica does not answer, the snapshot or its check failed); null for a copy.</param>
/// <param name="Fix">The <c>fix:</c> line for <paramref name="Reason"/>.</param>
internal sealed record ReplicaBackup(string Service, string? Folder, int Blocks, long Samples, long Bytes, string? Reason, string? Fix)
{
    /// <summary>True when the copy was made and opened with promtool.</summary>
    public bool Verified => Folder is not null;

    /// <summary>A replica with no copy.</summary>
    public static ReplicaBackup Missing(string service, string reason, string fix) => new(service, null, 0, 0, 0, reason, fix);
}
