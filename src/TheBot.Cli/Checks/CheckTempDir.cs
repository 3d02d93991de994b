namespace TheBot.Cli.Checks;

/// <summary>A temp folder deleted on dispose.</summary>
public sealed class CheckTempDir : IDisposable
{
    /// <summary>Creates the folder.</summary>
    public CheckTempDir() => Directory.CreateDirectory(Path);

    /// <summary>The folder.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "thebot-check-" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
