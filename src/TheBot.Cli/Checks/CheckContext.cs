namespace TheBot.Cli.Checks;

/// <summary>What the checks look at: the monitoring folder, the runbooks folder, and the root paths are shown relative to.</summary>
public sealed record CheckContext(string MonitoringDir, string RunbooksDir, string DisplayRoot)
{
    /// <summary>A path inside the monitoring folder.</summary>
    public string Monitoring(params string[] parts) => Path.Combine([MonitoringDir, .. parts]);

    /// <summary><paramref name="path"/> relative to <see cref="DisplayRoot"/> when it lies below it, else absolute.</summary>
    public string Display(string path)
    {
        var full = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(DisplayRoot, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }
}
