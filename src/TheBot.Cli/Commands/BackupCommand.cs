using System.CommandLine;
using TheBot.Cli.Clients;
using TheBot.Cli.Stack;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot backup</c>: a TSDB snapshot through the admin API, copied to <c>backups/&lt;date&gt;/</c> and verified
/// by opening it with <c>promtool tsdb list</c>.
/// </summary>
internal static class BackupCommand
{
    public static Command Create()
    {
        var to = new Option<string?>("--to") { Description = "Folder that receives the dated backup folders (default: <state-dir>/backups)" };
        var command = StackOptions.Create("backup", "Snapshot Prometheus' TSDB through the admin API into backups/<date>/ and verify it.");
        command.Options.Add(to);
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var target = result.GetValue(to) is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(location.Paths.Root, "backups");
            try
            {
                var backup = await RunAsync(location, target, ct);
                Console.WriteLine($"✓ backup {backup.Folder}: {backup.Blocks} block(s), {backup.Bytes / 1024} KiB, opened with promtool tsdb list");
                return 0;
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or InvalidOperationException)
            {
                Console.WriteLine($"✗ backup failed: {exception.Message}");
                Console.WriteLine($"    fix: is Prometheus running with --web.enable-admin-api? ./thebot status{UpCommand.StateFlags(location)}");
                return 1;
            }
        });
        return command;
    }

    public sealed record Backup(string Folder, int Blocks, long Bytes);

    public static async Task<Backup> RunAsync(StackLocation location, string backupsRoot, CancellationToken cancellationToken)
    {
        var prometheus = new PrometheusClient(location.Url(ServiceNames.Prometheus));
        var snapshot = await prometheus.PostAsync("/api/v1/admin/tsdb/snapshot", cancellationToken)
                       ?? throw new InvalidOperationException("the snapshot API answered without a body");
        var name = snapshot.GetProperty("data").GetProperty("name").GetString()!;
        var source = Path.Combine(location.Paths.Data(ServiceNames.Prometheus), "snapshots", name);
        if (!Directory.Exists(source))
        {
            throw new InvalidOperationException($"snapshot {name} is not in {source}");
        }

        var folder = Path.Combine(backupsRoot, DateTimeOffset.UtcNow.ToString("yyyy-MM-dd_HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        CopyDirectory(source, folder);
        Directory.Delete(source, recursive: true); // the copy is the backup; don't double the TSDB's disk use

        var list = await CommandRunner.RunAsync("/usr/bin/promtool", ["tsdb", "list", folder], cancellationToken: cancellationToken);
        if (!list.Succeeded)
        {
            throw new InvalidOperationException($"promtool tsdb list {folder} failed: {list.StandardError.Trim()}");
        }

        var blocks = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("01", StringComparison.Ordinal));
        var bytes = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        return new Backup(folder, blocks, bytes);
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
