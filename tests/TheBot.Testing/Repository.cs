namespace TheBot.Testing;

/// <summary>The repository the tests run from (the folder holding TheBot.sln above the test binaries).</summary>
public static class Repository
{
    /// <summary>Absolute path of the repository root.</summary>
    public static string Root { get; } = Find();

    /// <summary>Absolute path of a file or folder given relative to the root.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TheBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TheBot.sln not found above " + AppContext.BaseDirectory);
    }
}
