using System.CommandLine;
using TheBot.Cli.Clients;
using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Stack;
using TheBot.Stack.Components;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot backup</c>: a TSDB snapshot through the admin API, copied to <c>backups/&lt;date&gt;/</c> and verified
/// by opening it with <c>promtool tsdb list</c>; a snapshot with no samples (no block, empty head) fails.
/// </summary>
internal static class BackupCommand
{
    public static Command Create()
    {
        var to = new Option<string?>("--to")
        {
            Description = "Folder that receives the dated backup folders (default: <state-dir>/backups, i.e. .thebot/backups; " +
                          "deleting the state folder deletes those too, so point --to elsewhere for backups that must outlive it)",
        };
        var command = StackOptions.Create("backup",
            "Snapshot Prometheus' TSDB through the admin API into <state-dir>/backups/<date>/ (or --to DIR/<date>/) and verify that it opens and holds samples. Exit codes: 0 verified; 1 it failed (the reason and the fix are printed); 2 bad flags.");
        command.Options.Add(to);
        VerbReport.AddJsonOption(command);
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var report = VerbReport.For(result);
            var target = result.GetValue(to) is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(location.Paths.Root, "backups");
            try
            {
                var backup = await RunAsync(location, target, ct);
                report.Ok($"backup {backup.Folder}: {backup.Blocks} block(s), {backup.Samples} samples, {backup.Bytes / 1024} KiB, opened with promtool tsdb list");
                report.Set("folder", backup.Folder);
                report.Set("blocks", backup.Blocks);
                report.Set("samples", backup.Samples);
                report.Set("bytes", backup.Bytes);
                return await report.EndAsync(0);
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or InvalidOperationException)
            {
                report.Fail($"backup failed: {exception.Message}", exception.Message.StartsWith("nothing was captured", StringComparison.Ordinal)
                    ? $"fix: Prometheus has no data yet (just started, or its TSDB was wiped): check ./thebot status{StackOptions.StateFlags(location)} and that targets are up, wait a scrape interval, then back up again"
                    : $"fix: is Prometheus running with --web.enable-admin-api? ./thebot status{StackOptions.StateFlags(location)}");
                return await report.EndAsync(1);
            }
        });
        return command;
    }

    public sealed record Backup(string Folder, int Blocks, long Bytes, long Samples);

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

        var (blocks, samples) = await VerifyAsync(folder, cancellationToken);
        var bytes = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        return new Backup(folder, blocks, bytes, samples);
    }

    /// <summary>
    /// Opens a backup with <c>promtool tsdb list</c> and returns its blocks and samples. Throws when promtool cannot
    /// open it, or when nothing was captured: no block with samples and no head chunks (promtool then prints only its
    /// header line, and exits 0).
    /// </summary>
    public static async Task<(int Blocks, long Samples)> VerifyAsync(string folder, CancellationToken cancellationToken)
    {
        var list = await CommandRunner.RunAsync(Prometheus.Promtool, ["tsdb", "list", folder], cancellationToken: cancellationToken);
        if (!list.Succeeded)
        {
            throw new InvalidOperationException($"promtool tsdb list {folder} failed: {list.StandardError.Trim()}");
        }

        // BLOCK ULID, MIN TIME, MAX TIME, DURATION, NUM SAMPLES, NUM CHUNKS, NUM SERIES, SIZE (times in ms, no spaces).
        var rows = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(c => c.Length >= 5 && c[0].Length == 26 && long.TryParse(c[4], System.Globalization.CultureInfo.InvariantCulture, out _))
            .ToList();
        var samples = rows.Sum(c => long.Parse(c[4], System.Globalization.CultureInfo.InvariantCulture));
        var head = Path.Combine(folder, "chunks_head");
        var headHasData = Directory.Exists(head) && new DirectoryInfo(head).EnumerateFiles().Any(f => f.Length > 0);
        if (samples == 0 && !headHasData)
        {
            throw new InvalidOperationException(
                $"nothing was captured: promtool tsdb list {folder} shows {rows.Count} block(s) with 0 samples and the snapshot has no head chunks");
        }

        return (rows.Count, samples);
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
