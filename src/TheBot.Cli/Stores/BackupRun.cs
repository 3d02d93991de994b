namespace TheBot.Cli.Stores;

/// <summary>
/// One <c>backup</c>: the dated folder and what became of each Prometheus replica. It succeeded when at least one
/// replica's copy is verified: the replicas scrape the same targets, so any one of them restores the data.
/// </summary>
/// <param name="Folder">The dated folder, <c>backups/&lt;yyyy-MM-dd_HHmmss&gt;</c>: the copy itself in the single-node stack, one subfolder per replica in HA.</param>
/// <param name="Replicas">Each replica, in the topology's order.</param>
internal sealed record BackupRun(string Folder, IReadOnlyList<ReplicaBackup> Replicas)
{
    /// <summary>True when at least one replica's copy is verified.</summary>
    public bool Succeeded => Replicas.Any(r => r.Verified);

    /// <summary>The verified copies.</summary>
    public IEnumerable<ReplicaBackup> Verified => Replicas.Where(r => r.Verified);
}
