using TheBot.Cli.Local.Components;
using TheBot.Cli.Setup;
using TheBot.Stack;

namespace TheBot.Cli.TestRuns;

/// <summary>
/// What a test run may leave behind on the machine: entries named <c>thebot-*</c> in the temp folders (the machine's
/// and the run's own, <see cref="RunTempFolder"/>), entries in
/// <c>/dev/shm</c> (PostgreSQL's segments once were), and stack processes (the services' binaries, the platform's
/// programs, anything running from a <c>thebot-test-*</c> folder). <c>./thebot test</c> takes one snapshot before
/// the first project and compares the machine with it at the end; whatever is new counts as a failure, so a test that
/// forgets to stop a server or delete a folder is found by the run that added it, not by the next developer.
/// </summary>
internal sealed class LeftBehind
{
    /// <summary>
    /// Program names (<c>/proc/PID/comm</c>: the file name, cut to 15 characters) of every binary the components run
    /// and of the tools the verbs and tests run (<see cref="DebianPackageMap"/>), and the platform's programs. The
    /// shell is everyone's, never a stack leftover.
    /// </summary>
    internal static readonly HashSet<string> StackPrograms =
    [
        .. DebianPackageMap.Binaries.Where(b => b.Package != "dash").Select(b => ProgramName(b.Binary)),
        .. DotnetService.Projects,
    ];

    /// <summary>How the kernel names a process running <paramref name="binary"/> (TASK_COMM_LEN is 16 with the NUL).</summary>
    internal static string ProgramName(string binary)
    {
        var name = Path.GetFileName(binary);
        return name.Length > 15 ? name[..15] : name;
    }

    private const string TempPrefix = "thebot-";
    private const string SharedMemory = "/dev/shm";

    private readonly HashSet<string> _temp;
    private readonly HashSet<string> _shm;
    private readonly HashSet<ProcessIdentity> _processes;

    private LeftBehind(HashSet<string> temp, HashSet<string> shm, HashSet<ProcessIdentity> processes)
    {
        _temp = temp;
        _shm = shm;
        _processes = processes;
    }

    /// <summary>The machine now: the <c>thebot-*</c> entries of each of <paramref name="tempFolders"/> (this process's temp folder and the run's), <c>/dev/shm</c> and the stack processes.</summary>
    public static LeftBehind Snapshot(IReadOnlyList<string> tempFolders) => new(
        [.. tempFolders.SelectMany(folder => Entries(folder, TempPrefix + "*"))],
        Entries(SharedMemory, "*"),
        [.. StackProcesses()]);

    /// <summary>
    /// What is on the machine now and was not in <paramref name="before"/>, one line each (empty when nothing). Stack
    /// processes get up to <paramref name="grace"/> to finish exiting: the last project's servers may still be in
    /// their shutdown when its test host returns. <paramref name="tempFolders"/> are the snapshot's.
    /// </summary>
    public static async Task<IReadOnlyList<string>> SinceAsync(LeftBehind before, IReadOnlyList<string> tempFolders, TimeSpan grace)
    {
        var deadline = DateTime.UtcNow + grace;
        while (true)
        {
            var now = Snapshot(tempFolders);
            var left = new List<string>();
            left.AddRange(now._temp.Except(before._temp).Order(StringComparer.Ordinal).Select(p => $"temp entry {p}"));
            left.AddRange(now._shm.Except(before._shm).Order(StringComparer.Ordinal).Select(p => $"shared-memory entry {p}"));
            left.AddRange(now._processes.Except(before._processes).OrderBy(p => p.Pid)
                .Select(p => $"process {p.Pid}: {ProcessTree.CommandLine(p.Pid) ?? "(gone)"}"));
            if (left.Count == 0 || DateTime.UtcNow >= deadline)
            {
                return left;
            }

            await Task.Delay(500);
        }
    }

    private static HashSet<string> Entries(string folder, string pattern)
    {
        try
        {
            return Directory.Exists(folder) ? [.. Directory.EnumerateFileSystemEntries(folder, pattern)] : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<ProcessIdentity> StackProcesses() =>
        ProcessTree.Running()
            .Where(p => StackPrograms.Contains(p.Name) || IsStackCommandLine(ProcessTree.CommandLine(p.Process.Pid) ?? string.Empty))
            .Select(p => p.Process);

    private static bool IsStackCommandLine(string commandLine) =>
        commandLine.Contains("/thebot-test-", StringComparison.Ordinal)
        || DotnetService.Projects.Any(project => commandLine.Contains(project + ".dll", StringComparison.Ordinal));
}
