using System.Diagnostics;
using Xunit.Abstractions;

namespace TheBot.Detection.Tests;

/// <summary>
/// What a detection suite saw: timestamped progress lines (test output and <c>artifacts/detection/&lt;pid&gt;.log</c> in
/// the repository, readable while the suite runs and kept with the test results, never left in the temp folder),
/// problems that fail it at the end, and notes for the report. Scenarios may run side by side, so everything is
/// written under a lock.
/// </summary>
internal sealed class DetectionJournal(ITestOutputHelper output)
{
    private readonly Lock _gate = new();
    private readonly List<string> _problems = [];
    private readonly List<string> _notes = [];
    private readonly string _file = LogFile();

    /// <summary>Started with the suite.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_gate)
            {
                return [.. _problems];
            }
        }
    }

    public IReadOnlyList<string> Notes
    {
        get
        {
            lock (_gate)
            {
                return [.. _notes];
            }
        }
    }

    public void Say(string line)
    {
        var stamped = $"[{Clock.Elapsed:mm\\:ss}] {line}";
        lock (_gate)
        {
            output.WriteLine(stamped);
            File.AppendAllText(_file, stamped + "\n");
        }
    }

    public void Problem(string problem)
    {
        Say("PROBLEM: " + problem);
        lock (_gate)
        {
            _problems.Add(problem);
        }
    }

    public void Note(string note)
    {
        lock (_gate)
        {
            _notes.Add(note);
        }
    }

    private static string LogFile()
    {
        var directory = Directory.CreateDirectory(TheBot.Testing.Repository.PathOf(Path.Combine("artifacts", "detection")));
        return Path.Combine(directory.FullName, $"journal-{Environment.ProcessId}.log");
    }
}
