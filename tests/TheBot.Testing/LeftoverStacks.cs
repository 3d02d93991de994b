using System.Globalization;
using TheBot.Stack;

namespace TheBot.Testing;

/// <summary>
/// Stacks left behind by a test run that was killed before its fixtures could clean up: each fixture's state folder
/// names its owning test process; once per test process, folders whose owner is gone are stopped (through their pid
/// files, which only ever kill the recorded programs) and deleted.
/// </summary>
public static class LeftoverStacks
{
    /// <summary>Prefix of fixture state folders in the temp folder.</summary>
    public const string Prefix = "thebot-test-";

    private const string OwnerFile = "owner";
    private static readonly Lazy<Task> Sweep = new(() => SweepAsync());

    /// <summary>Records the current process as the owner of <paramref name="paths"/>.</summary>
    public static void Claim(StackPaths paths)
    {
        var self = ProcessTree.Identify(Environment.ProcessId)!.Value;
        File.WriteAllText(Path.Combine(paths.Root, OwnerFile), FormattableString.Invariant($"{self.Pid} {self.StartTime}"));
    }

    /// <summary>Runs <see cref="SweepAsync"/> the first time it is called in this process.</summary>
    public static Task SweepOnceAsync() => Sweep.Value;

    /// <summary>Stops and deletes every fixture state folder whose owning process is gone; returns the folders removed.</summary>
    public static async Task<IReadOnlyList<string>> SweepAsync()
    {
        var removed = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            var owner = Path.Combine(dir, OwnerFile);
            if (!File.Exists(owner) || IsAlive(ReadOwner(owner)))
            {
                continue;
            }

            try
            {
                await ProcessSupervisor.DownAsync(new StackPaths(dir));
                Directory.Delete(dir, recursive: true);
                removed.Add(dir);
            }
            catch (IOException)
            {
                // another test process is sweeping the same folder
            }
        }

        return removed;
    }

    private static string ReadOwner(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static bool IsAlive(string owner)
    {
        var parts = owner.Split(' ');
        return parts.Length == 2
            && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var start)
            && ProcessTree.IsAlive(new ProcessIdentity(pid, start))
            || owner.Length == 0;
    }
}
