using TheBot.Stack;

namespace TheBot.Cli.TestRuns;

/// <summary>
/// The temp folder of one <c>./thebot test</c> run, <c>&lt;temp&gt;/thebot-run-XXXXXX</c>. Every process the run starts
/// (the build, the compiler server, the test hosts, and through them each stack and tool) gets it as <c>TMPDIR</c>, and
/// the run deletes it at the end. The .NET SDK itself leaves two empty folders (<c>/tmp/XXXXXX</c>) behind for every
/// <c>dotnet build</c> or <c>dotnet test</c>: about 50 for one clean-clone run (2026-12-04), none of them the tests'.
/// <see cref="LeftBehind"/> still looks for the tests' own <c>thebot-*</c> entries inside it before it goes.
/// </summary>
internal sealed class RunTempFolder
{
    private RunTempFolder(string path) => Path = path;

    /// <summary>The folder, absolute.</summary>
    public string Path { get; }

    /// <summary>What a child process needs to use it: <c>TMPDIR</c> (which <c>Path.GetTempPath()</c> and mktemp read).</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["TMPDIR"] = Path };

    /// <summary>
    /// Creates the folder under the temp folder of this process, traversable by other users like a stack's state folder
    /// (PostgreSQL runs as its own user and must reach the data folders of the stacks made under it).
    /// </summary>
    public static RunTempFolder Create() => new(StackPaths.CreateTemporary("thebot-run-").Root);

    /// <summary>Deletes the folder and everything in it; returns why it could not, or null.</summary>
    public string? Delete()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
