namespace TheBot.Cli;

/// <summary>Finds the repository root: THEBOT_ROOT (set by ./thebot), else the nearest folder holding TheBot.sln.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        var fromWrapper = Environment.GetEnvironmentVariable("THEBOT_ROOT");
        if (!string.IsNullOrEmpty(fromWrapper) && File.Exists(Path.Combine(fromWrapper, "TheBot.sln")))
        {
            return fromWrapper;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TheBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (no TheBot.sln above the current folder); run ./thebot from the repository.");
    }
}
