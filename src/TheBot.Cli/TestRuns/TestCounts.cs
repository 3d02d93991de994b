using System.Xml;
using System.Xml.Linq;

namespace TheBot.Cli.TestRuns;

/// <summary>Passed, failed and skipped tests, summed over test projects for <c>./thebot test</c>'s last line.</summary>
internal sealed record TestCounts(int Passed, int Failed, int Skipped)
{
    /// <summary>The plain summary line: <c>N passed, N failed, N skipped</c>.</summary>
    public string Summary => $"{Passed} passed, {Failed} failed, {Skipped} skipped";

    public static TestCounts operator +(TestCounts a, TestCounts b) =>
        new(a.Passed + b.Passed, a.Failed + b.Failed, a.Skipped + b.Skipped);

    /// <summary>
    /// The counts of one test project from its TRX file and <c>dotnet test</c>'s exit code. No results file, an
    /// unreadable one, or a non-zero exit without a failed test each count as one failure, said on
    /// <paramref name="output"/> with the project's name.
    /// </summary>
    public static TestCounts ForProject(string name, string trxPath, int exit, TextWriter output)
    {
        var (counts, problem) = FromTrx(trxPath);
        if (counts is null)
        {
            output.WriteLine($"✗ {name}: {problem} (dotnet test exited {exit}); counted as one failure");
            return new TestCounts(0, 1, 0);
        }

        if (exit != 0 && counts.Failed == 0)
        {
            output.WriteLine($"✗ {name}: dotnet test exited {exit} with no failed test; counted as one failure");
            return counts with { Failed = 1 };
        }

        return counts;
    }

    /// <summary>Reads the ResultSummary counters of a Visual Studio TRX file; null with the reason when it cannot.</summary>
    public static (TestCounts? Counts, string Problem) FromTrx(string path)
    {
        if (!File.Exists(path))
        {
            return (null, $"the test host produced no results file ({path})");
        }

        XElement? counters;
        try
        {
            counters = XDocument.Load(path).Descendants().FirstOrDefault(e => e.Name.LocalName == "Counters");
        }
        catch (Exception exception) when (exception is XmlException or IOException or UnauthorizedAccessException)
        {
            return (null, $"results file {path} is unreadable: {exception.Message}");
        }

        if (counters is null)
        {
            return (null, $"results file {path} has no ResultSummary/Counters");
        }

        int Read(string attribute) => int.TryParse(counters.Attribute(attribute)?.Value, out var value) ? value : 0;
        var failed = Read("failed") + Read("error") + Read("timeout") + Read("aborted");
        return (new TestCounts(Read("passed"), failed, Read("notExecuted")), "");
    }
}
