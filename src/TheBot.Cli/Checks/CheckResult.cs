namespace TheBot.Cli.Checks;

/// <summary>The verdict on one file for one kind of check: the file (as shown to the user), what was checked, and why it failed.</summary>
public sealed record CheckResult(bool Ok, string File, string Check, string Reason = "")
{
    /// <summary>A passing result.</summary>
    public static CheckResult Pass(string file, string check) => new(true, file, check);

    /// <summary>A failing result with its reason (several lines allowed).</summary>
    public static CheckResult Fail(string file, string check, string reason) => new(false, file, check, reason);

    /// <summary>
    /// The one result for the YAML file <paramref name="file"/>: "missing" when absent, where it stops parsing when it
    /// is not YAML, else what <paramref name="inspect"/> finds wrong in the parsed map.
    /// </summary>
    public static Task<IReadOnlyList<CheckResult>> ForYamlFile(
        CheckContext context, string file, string check, Func<Dictionary<object, object>, IReadOnlyCollection<string>> inspect)
    {
        IReadOnlyCollection<string> problems;
        try
        {
            problems = System.IO.File.Exists(file) ? inspect(YamlMap.Load(file)) : ["missing"];
        }
        catch (YamlFormatException e)
        {
            problems = [e.Message];
        }

        return Task.FromResult<IReadOnlyList<CheckResult>>([From(context.Display(file), check, problems)]);
    }

    /// <summary>Passes when <paramref name="problems"/> is empty, else fails with one problem a line.</summary>
    public static CheckResult From(string file, string check, IReadOnlyCollection<string> problems) =>
        problems.Count == 0 ? Pass(file, check) : Fail(file, check, string.Join('\n', problems));
}

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

/// <summary>One kind of check over monitoring/.</summary>
public interface IMonitoringCheck
{
    /// <summary>The name <c>check --only</c> selects this check by (lower-case, dashes).</summary>
    string Key { get; }

    /// <summary>One result per file (or per file and tool) checked.</summary>
    Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken);
}
