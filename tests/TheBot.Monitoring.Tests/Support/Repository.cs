namespace TheBot.Monitoring.Tests.Support;

/// <summary>Paths inside the repository the tests run from.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

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
