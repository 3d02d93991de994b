using System.CommandLine;
using System.Text.Json.Nodes;
using TheBot.Cli.Clients;
using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Cli.Stores;
using TheBot.Stack;
using TheBot.Stack.Components;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot backup</c>: a TSDB snapshot of every Prometheus replica through the admin API, copied to
/// <c>backups/&lt;date&gt;/</c> (in the HA topology one subfolder per replica, named after its service) and verified
/// by opening it with <c>promtool tsdb list</c>; a snapshot with no samples (no block, empty head) fails. The backup
/// succeeds when at least one replica's copy is verified (the replicas hold the same targets' data); a replica that is
/// down or whose copy fails is named as a warning then, and as a failure when no copy was verified.
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
            "Snapshot Prometheus' TSDB through the admin API into <state-dir>/backups/<date>/ (or --to DIR/<date>/; with --topology ha every replica, each into <date>/<service>/) and verify that it opens and holds samples. Exit codes: 0 verified (in HA: at least one replica, a missing one is a warning); 1 it failed (the reason and the fix are printed); 2 bad flags (also a --to that cannot be written).");
        command.Options.Add(to);
        VerbReport.AddJsonOption(command);
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var report = VerbReport.For(result);
            var target = result.GetValue(to) is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(location.Paths.Root, "backups");
            // Before any snapshot is taken: a folder the copy could never be written to is bad input, not a store failure.
            if (TargetProblem(target) is { } problem)
            {
                report.Fail(problem, "fix: point --to at a folder this user can write (it is created when missing)");
                return await report.EndAsync(2);
            }

            var backup = await RunAsync(location, target, ct);
            foreach (var replica in backup.Replicas)
            {
                if (replica.Verified)
                {
                    report.Ok($"backup {replica.Folder}: {replica.Blocks} block(s), {replica.Samples} samples, {replica.Bytes / 1024} KiB, opened with promtool tsdb list");
                }
                else if (backup.Succeeded)
                {
                    report.Warn($"{replica.Service} not backed up: {replica.Reason}", replica.Fix);
                }
                else
                {
                    report.Fail($"backup of {replica.Service} failed: {replica.Reason}", replica.Fix);
                }
            }

            report.Set("folder", backup.Folder);
            report.Set("blocks", backup.Verified.Sum(r => r.Blocks));
            report.Set("samples", backup.Verified.Sum(r => r.Samples));
            report.Set("bytes", backup.Verified.Sum(r => r.Bytes));
            report.Set("replicas", new JsonArray([.. backup.Replicas.Select(r => (JsonNode)new JsonObject
            {
                ["service"] = r.Service,
                ["verified"] = r.Verified,
                ["folder"] = r.Folder,
                ["blocks"] = r.Blocks,
                ["samples"] = r.Samples,
                ["bytes"] = r.Bytes,
                ["reason"] = r.Reason,
            })]));
            return await report.EndAsync(backup.Succeeded ? 0 : 1);
        });
        return command;
    }

    /// <summary>
    /// Backs up every Prometheus replica of the stack into one dated folder under <paramref name="backupsRoot"/>: the
    /// folder itself holds the copy in the single-node stack (the layout the restore steps use), a subfolder named
    /// after each replica's service in HA. A replica that does not answer within
    /// <see cref="ReadinessProbe.ReportTimeout"/> is skipped, not waited for.
    /// </summary>
    public static async Task<BackupRun> RunAsync(StackLocation location, string backupsRoot, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(location);
        var folder = FreeFolder(backupsRoot, DateTimeOffset.UtcNow.ToString("yyyy-MM-dd_HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        var replicas = new List<ReplicaBackup>();
        foreach (var replica in stack.Prometheuses)
        {
            var destination = stack.Topology.HighAvailability ? Path.Combine(folder, replica.Name) : folder;
            replicas.Add(await BackUpAsync(location, replica, destination, cancellationToken));
        }

        return new BackupRun(folder, replicas);
    }

    /// <summary>
    /// Why <paramref name="backupsRoot"/> cannot receive backups (a file where it or a folder above it should be, no
    /// permission to write in it), or null: the folder is made when missing and a probe file written into it and deleted.
    /// </summary>
    internal static string? TargetProblem(string backupsRoot)
    {
        try
        {
            Directory.CreateDirectory(backupsRoot);
            var probe = Path.Combine(backupsRoot, $".thebot-backup-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return null;
        }
        catch (Exception exception) when (FileProblem.IsFileSystemError(exception))
        {
            return $"--to: {FileProblem.Describe(backupsRoot, exception, folder: true)}";
        }
    }

    /// <summary>
    /// <paramref name="stamp"/> under <paramref name="backupsRoot"/>, or <c>stamp-2</c>, <c>stamp-3</c>… when a backup
    /// of the same second already holds it: a second backup right after the first (a retry, a script) is a new copy,
    /// not a failure.
    /// </summary>
    internal static string FreeFolder(string backupsRoot, string stamp)
    {
        var folder = Path.Combine(backupsRoot, stamp);
        for (var n = 2; Path.Exists(folder); n++)
        {
            folder = Path.Combine(backupsRoot, $"{stamp}-{n}");
        }

        return folder;
    }

    private static async Task<ReplicaBackup> BackUpAsync(StackLocation location, Prometheus replica, string destination, CancellationToken cancellationToken)
    {
        if (await StoreReachability.CheckAsync(location, replica.Spec, "backup", cancellationToken) is { } unreachable)
        {
            return ReplicaBackup.Missing(replica.Name, unreachable.Reason, unreachable.Fix);
        }

        var copied = false;
        string? snapshotFolder = null;
        try
        {
            if (Directory.Exists(destination))
            {
                throw new InvalidOperationException($"{destination} already exists (another backup started at the same moment?)");
            }

            var snapshot = await new PrometheusClient(replica.Url).PostAsync("/api/v1/admin/tsdb/snapshot", cancellationToken)
                           ?? throw new InvalidOperationException("the snapshot API answered without a body");
            var name = snapshot.GetProperty("data").GetProperty("name").GetString()!;
            var source = snapshotFolder = Path.Combine(location.Paths.Data(replica.Name), "snapshots", name);
            if (!Directory.Exists(source))
            {
                throw new InvalidOperationException($"snapshot {name} is not in {source}");
            }

            copied = true;
            CopyDirectory(source, destination);
            Directory.Delete(source, recursive: true); // the copy is the backup; don't double the TSDB's disk use

            var (blocks, samples) = await VerifyAsync(destination, cancellationToken);
            var bytes = new DirectoryInfo(destination).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            return new ReplicaBackup(replica.Name, destination, blocks, samples, bytes, null, null);
        }
        catch (Exception exception) when (StoreReachability.IsStoreFailure(exception, cancellationToken) || exception is UnauthorizedAccessException)
        {
            if (copied && Directory.Exists(destination))
            {
                Directory.Delete(destination, recursive: true); // a copy that failed its check must not be taken for a backup
            }

            var reason = FileProblem.IsFileSystemError(exception) ? FileProblem.Describe(exception) : exception.Message;
            return ReplicaBackup.Missing(replica.Name, reason, exception.Message.StartsWith("nothing was captured", StringComparison.Ordinal)
                ? $"fix: {replica.Name} has no data yet (just started, or its TSDB was wiped): check ./thebot status{StackOptions.StateFlags(location)} and that targets are up, wait a scrape interval, then back up again"
                : copied
                    ? $"fix: the snapshot was taken, but copying it into {destination} or opening the copy failed: check that folder (free space, permissions), then back up again"
                    : $"fix: is {replica.Name} running with --web.enable-admin-api? ./thebot status{StackOptions.StateFlags(location)}");
        }
        finally
        {
            // The snapshot lives in Prometheus' data folder until the copy is made; a backup that failed (or was
            // interrupted) must not leave it there, doubling the TSDB's disk use with every retry.
            if (snapshotFolder is not null && Directory.Exists(snapshotFolder))
            {
                try
                {
                    Directory.Delete(snapshotFolder, recursive: true);
                }
                catch (Exception e) when (FileProblem.IsFileSystemError(e))
                {
                    // Prometheus as another user, or a disk gone read-only: the reason above is what the user needs first.
                }
            }
        }
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
