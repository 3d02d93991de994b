using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using TheBot.Cli.Setup;
using TheBot.Stack;

namespace TheBot.Cli.Checks;

/// <summary>Runs the validating tools (promtool, amtool, docker-compose, sh) and trims their output to the lines that say what is wrong.</summary>
public static class CheckTool
{
    // promtool test rules is slow (seconds per file) and a pure function of the files it reads: its verdicts are
    // remembered for the life of the process, keyed by the content of every input.
    private static readonly ConcurrentDictionary<string, Lazy<Task<CommandResult>>> Memo = new(StringComparer.Ordinal);

    // At most one remembered run per core at a time: started all at once, the 14 unit-test files kept 14 promtools on
    // 2 cores, and on a busy CI machine the heaviest (alerts_slo_test.yml, ~21 s of CPU alone) ran past its 120 s
    // timeout (stop 22, 2026-12-03). Queued runs wait for a slot before their timeout starts.
    private static readonly SemaphoreSlim Slots = new(Environment.ProcessorCount);

    /// <summary>The absolute path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? Find(string tool) => ExecutableSearch.OnPath(tool);

    /// <summary>The reason shown when <paramref name="tool"/> is missing.</summary>
    public static string Missing(string tool) =>
        $"{tool} is not installed (not on PATH): apt-get install -y {DebianPackageMap.For(tool) ?? tool}";

    /// <summary>Runs <paramref name="tool"/>; null when it is not installed.</summary>
    public static async Task<CommandResult?> RunAsync(
        string tool, IEnumerable<string> arguments, CancellationToken cancellationToken,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var path = Find(tool);
        if (path is null)
        {
            return null;
        }

        var options = new CommandOptions { Timeout = timeout ?? TimeSpan.FromSeconds(60), WorkingDirectory = workingDirectory, Environment = environment };
        return await CommandRunner.RunAsync(path, arguments, options, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="RunAsync"/>, but reuses an earlier result of the same command on the same inputs
    /// (the contents of <paramref name="inputs"/> at the same paths relative to
    /// <paramref name="workingDirectory"/>, so a copy of the folder counts as the same) within this process.
    /// </summary>
    public static Task<CommandResult?> RunRememberedAsync(
        string tool, IReadOnlyList<string> arguments, IEnumerable<string> inputs, string workingDirectory, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        if (Find(tool) is null)
        {
            return Task.FromResult<CommandResult?>(null);
        }

        var key = new StringBuilder(tool).Append('\0').AppendJoin('\0', arguments);
        foreach (var input in inputs)
        {
            key.Append('\0').Append(Path.GetRelativePath(workingDirectory, input)).Append('\0').Append(File.Exists(input) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(input))) : "-");
        }

        var task = Memo.GetOrAdd(key.ToString(), _ => new Lazy<Task<CommandResult>>(async () =>
        {
            await Slots.WaitAsync();
            try
            {
                return (await RunAsync(tool, arguments, CancellationToken.None, workingDirectory, timeout: timeout))!;
            }
            finally
            {
                Slots.Release();
            }
        })).Value;
        return WaitAsync(task, key.ToString(), cancellationToken);

        static async Task<CommandResult?> WaitAsync(Task<CommandResult> task, string key, CancellationToken cancellationToken)
        {
            var result = await task.WaitAsync(cancellationToken);
            if (result.TimedOut)
            {
                Memo.TryRemove(key, out _); // a timeout says nothing about the files
            }

            return result;
        }
    }

    /// <summary>
    /// The useful part of a tool's output: stdout and stderr without blank lines, "Checking …" banners and
    /// SUCCESS lines, temp paths replaced by the file they stand for, at most <paramref name="maxLines"/> lines.
    /// </summary>
    public static string Useful(CommandResult result, IReadOnlyDictionary<string, string>? pathMap = null, int maxLines = 12)
    {
        if (result.TimedOut)
        {
            return "timed out";
        }

        var text = result.StandardOutput + "\n" + result.StandardError;
        foreach (var (from, to) in pathMap ?? new Dictionary<string, string>())
        {
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        var lines = text.Split('\n')
            .Select(l => l.TrimEnd())
            .Where(l => l.Trim().Length > 0)
            .Select(l => l.Trim())
            .Select(l => l.StartsWith("Checking ", StringComparison.Ordinal) && l.Contains("FAILED", StringComparison.Ordinal) ? l[l.IndexOf("FAILED", StringComparison.Ordinal)..] : l)
            .Where(l => !l.StartsWith("Checking ", StringComparison.Ordinal) && !l.StartsWith("SUCCESS", StringComparison.Ordinal))
            .ToList();
        if (lines.Count == 0)
        {
            return $"exited {result.ExitCode}";
        }

        return lines.Count <= maxLines
            ? string.Join('\n', lines)
            : string.Join('\n', lines.Take(maxLines)) + $"\n… ({lines.Count - maxLines} more lines)";
    }
}
