namespace TheBot.Stack;

/// <summary>Where a program is found: the one PATH lookup of the stack, its checks and its tests.</summary>
public static class ExecutableSearch
{
    /// <summary>The folders searched when PATH is not set (what a login shell on Debian would have).</summary>
    public const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";

    /// <summary>The absolute path of <paramref name="program"/> in the first PATH folder that holds it, or null.</summary>
    public static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } path ? path : DefaultPath)
        .Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, program))
        .FirstOrDefault(File.Exists);
}
