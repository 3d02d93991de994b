namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>More than 5 % of the state folder's drive is free for the TSDB.</summary>
internal sealed class DiskSpaceCheck(DoctorContext context) : IDoctorCheck
{
    public string Name => "disk space for the TSDB";

    public string Fix => "free space, or lower retention (--storage.tsdb.retention.time/size); see docs/operations.md";

    public Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var root = context.Location.Paths.Root;
        var drive = new DriveInfo(root);
        var free = (double)drive.AvailableFreeSpace / drive.TotalSize;
        return Task.FromResult((free > 0.05, $"{drive.AvailableFreeSpace / (1 << 30)} GiB free ({free:P0}) under {root}"));
    }
}
