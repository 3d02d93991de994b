using System.Text.Json;
using System.Text.RegularExpressions;

namespace TheBot.Cli.TestRuns;

/// <summary>
/// The solution filter the fast loop builds: every project of TheBot.sln except the benchmarks (no test runs them)
/// and the projects the fast loop does not run. Written from the solution on each run, so a new project is in it
/// without anyone keeping a second list.
/// </summary>
internal static partial class FastLoopSolution
{
    [GeneratedRegex("""^Project\("\{[^}]+\}"\) = "[^"]+", "(?<path>[^"]+\.csproj)", """, RegexOptions.Multiline)]
    private static partial Regex ProjectLine();

    /// <summary>
    /// Writes <c>artifacts/fast-loop.slnf</c> for <paramref name="solution"/> without the projects under
    /// <c>bench/</c> and those named in <paramref name="leftOut"/> (file names without extension); returns its path.
    /// </summary>
    public static string Write(string root, string solution, IReadOnlySet<string> leftOut)
    {
        var projects = ProjectLine().Matches(File.ReadAllText(Path.Combine(root, solution)))
            .Select(m => m.Groups["path"].Value.Replace('\\', '/'))
            .Where(path => !path.StartsWith("bench/", StringComparison.Ordinal) && !leftOut.Contains(Path.GetFileNameWithoutExtension(path)))
            .ToList();
        var directory = Path.Combine(root, "artifacts");
        Directory.CreateDirectory(directory);
        var filter = Path.Combine(directory, "fast-loop.slnf");
        var document = new { solution = new { path = Path.Combine("..", solution), projects } };
        File.WriteAllText(filter, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
        return filter;
    }
}
