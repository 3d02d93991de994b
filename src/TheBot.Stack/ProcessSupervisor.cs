using System.Diagnostics;
using System.Text.Json;

namespace TheBot.Stack;

/// <summary>
/// The one place that runs the stack's processes: starts specs in dependency order after checking binaries and
/// ports, waits for readiness, records pid files, and stops in reverse order, always taking the whole process
/// tree down. Output of every process goes to <c>&lt;state&gt;/logs/&lt;name&gt;.log</c>.
/// Disposing stops everything it started (unless <see cref="Detach"/> was called).
/// </summary>
public sealed class ProcessSupervisor(StackPaths paths) : IAsyncDisposable
{
    /// <summary>How many log lines a start failure quotes.</summary>
    public const int LogTailLines = 20;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly Dictionary<string, ProcessSpec> _known = [];
    private readonly List<Entry> _running = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    private sealed record Entry(ProcessSpec Spec, ProcessIdentity Identity, Process Process);

    /// <summary>The state folder.</summary>
    public StackPaths Paths { get; } = paths;

    /// <summary>How a busy-port error tells the user to pick other ports.</summary>
    public string PortOverrideHint { get; init; } = "--port-offset N";

    /// <summary>Names of the processes this supervisor runs, in start order.</summary>
    public IReadOnlyList<string> Running => [.. _running.Select(r => r.Spec.Name)];

    /// <summary>
    /// The processes this supervisor started whose root has since exited on its own (crashed or killed from outside),
    /// in start order. <see cref="Running"/> still names them until the next <see cref="StartAsync(IEnumerable{ProcessSpec}, CancellationToken)"/>.
    /// </summary>
    public IReadOnlyList<ProcessSpec> Exited => [.. _running.Where(r => !ProcessTree.IsAlive(r.Identity)).Select(r => r.Spec)];

    /// <summary>The root process of <paramref name="name"/>, or null when it is not running.</summary>
    public ProcessIdentity? GetProcess(string name) => _running.FirstOrDefault(r => r.Spec.Name == name)?.Identity;

    /// <summary>The log file of a spec.</summary>
    public string LogFileOf(ProcessSpec spec) => spec.LogFile ?? Paths.LogFile(spec.Name);

    /// <summary>
    /// Starts <paramref name="specs"/> (and restarts any of them that crashed) in dependency order and waits until
    /// each is ready. Binaries, stale pid files and every port are checked before the first process starts. When one
    /// fails, those started by this call are stopped again and a <see cref="StackStartException"/> carries the tail of
    /// the failed process's log. Specs already running are left alone.
    /// </summary>
    public async Task StartAsync(IEnumerable<ProcessSpec> specs, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var list = specs.ToList();
            list.ForEach(s => _known[s.Name] = s);
            await ForgetCrashedAsync();
            var toStart = Order(list.Where(s => GetProcess(s.Name) is null).ToList());
            Preflight(toStart);
            var started = new List<string>();
            try
            {
                foreach (var spec in toStart)
                {
                    await StartOneAsync(spec, cancellationToken);
                    started.Add(spec.Name);
                }
            }
            catch
            {
                foreach (var name in Enumerable.Reverse(started))
                {
                    await StopCoreAsync(name, CancellationToken.None);
                }

                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts again a spec this supervisor has been given before (e.g. after <see cref="StopAsync"/>).</summary>
    public Task StartAsync(string name, CancellationToken cancellationToken = default) =>
        StartAsync([_known.TryGetValue(name, out var spec) ? spec : throw new KeyNotFoundException($"unknown process '{name}'")], cancellationToken);

    /// <summary>Stops one process and its whole tree; returns every process of that tree (all gone now).</summary>
    public async Task<IReadOnlyList<ProcessIdentity>> StopAsync(string name, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await StopCoreAsync(name, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops everything this supervisor runs, newest first (dependents before their dependencies). One that cannot be
    /// stopped (a tree that survives SIGKILL, a pid file that cannot be deleted) does not keep the others running:
    /// every one is tried, then a <see cref="StackStopException"/> names each failure. A pid file that records another
    /// process by now (the component was restarted by <c>./thebot restart</c> meanwhile) is left, with its process,
    /// to <see cref="DownAsync"/>; <see cref="StopStackAsync"/> stops that process too.
    /// </summary>
    public Task StopAllAsync(CancellationToken cancellationToken = default) => StopAllCoreAsync(replacements: false, cancellationToken);

    /// <summary>
    /// The whole stack goes down (a foreground <c>up</c> that ends): <see cref="StopAllAsync"/>, and with each of its
    /// processes also the one its pid file records instead, when another CLI replaced it meanwhile (<c>./thebot
    /// restart COMPONENT</c> against this state folder). Such a process was started into this very stack, so Ctrl+C
    /// on <c>up</c> must take it down too, or it would outlive the stack with nobody to stop it.
    /// </summary>
    public Task StopStackAsync(CancellationToken cancellationToken = default) => StopAllCoreAsync(replacements: true, cancellationToken);

    private async Task StopAllCoreAsync(bool replacements, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var failures = new List<string>();
            foreach (var name in Enumerable.Reverse(Running.ToList()))
            {
                try
                {
                    await StopCoreAsync(name, cancellationToken);
                    if (replacements)
                    {
                        await StopReplacementAsync(name, cancellationToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures.Add($"{name}: {(FileProblem.IsFileSystemError(e) ? FileProblem.Describe(e) : e.Message)}");
                    if (_running.FirstOrDefault(r => r.Spec.Name == name) is { } entry)
                    {
                        _running.Remove(entry);
                        entry.Process.Dispose();
                    }
                }
            }

            if (failures.Count > 0)
            {
                throw new StackStopException(failures);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Lets the processes run on after this supervisor is gone (<c>up --detach</c>); <see cref="DownAsync"/> stops them.</summary>
    public void Detach()
    {
        _running.ForEach(r => r.Process.Dispose());
        _running.Clear();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            try
            {
                await StopAllAsync();
            }
            finally
            {
                _disposed = true;
                _gate.Dispose();
            }
        }
    }

    /// <summary>
    /// Stops a detached stack from its pid files, newest first, each with its whole tree; stale pid files (process
    /// gone, or the pid now belongs to another program) are deleted without killing anything. Returns the names stopped.
    /// </summary>
    public static async Task<IReadOnlyList<string>> DownAsync(StackPaths paths, CancellationToken cancellationToken = default)
    {
        var stopped = new List<string>();
        var records = ReadPidFiles(paths, out var unreadable);
        // An unreadable pid file names no process to stop: it is removed, and nothing is killed on its word.
        DeleteUnreadable(unreadable);
        foreach (var record in records.OrderByDescending(r => r.StartedAt))
        {
            if (record.IsRunning)
            {
                await ProcessTree.KillTreeAsync(record.Identity, record.StopSignal, TimeSpan.FromSeconds(record.StopGraceSeconds), cancellationToken);
                stopped.Add(record.Name);
            }

            File.Delete(paths.PidFile(record.Name));
        }

        return stopped;
    }

    /// <summary>
    /// What a new start finds in the pid files of the state folder: the records whose process still runs (left
    /// there by a stack that is up, or by a CLI that crashed and left its services running), and the stale ones,
    /// whose process is gone, and the unreadable ones (<see cref="UnreadablePidFile"/>); the stale and unreadable
    /// files are deleted (an unreadable one names no process, so nothing is killed on its word).
    /// </summary>
    public static (IReadOnlyList<PidRecord> Live, IReadOnlyList<PidRecord> Removed, IReadOnlyList<UnreadablePidFile> Unreadable) ClearStalePidFiles(StackPaths paths)
    {
        var records = ReadPidFiles(paths, out var unreadable);
        var stale = records.Where(r => !r.IsRunning).ToList();
        stale.ForEach(r => File.Delete(paths.PidFile(r.Name)));
        DeleteUnreadable(unreadable);
        return ([.. records.Except(stale)], stale, unreadable);
    }

    /// <summary>Every readable pid file of the state folder (stale ones included; see <see cref="PidRecord.IsRunning"/>); unreadable ones are skipped.</summary>
    public static IReadOnlyList<PidRecord> ReadPidFiles(StackPaths paths) => ReadPidFiles(paths, out _);

    /// <summary>
    /// Every readable pid file of the state folder (stale ones included), and in <paramref name="unreadable"/> the
    /// files that record no usable process: not JSON, <c>null</c>, a name other than the file's, no pid or executable.
    /// Those are treated as no process recorded and left where they are: reading deletes nothing (<c>down</c> and
    /// <c>up</c> remove them, a start of the service writes over it).
    /// </summary>
    public static IReadOnlyList<PidRecord> ReadPidFiles(StackPaths paths, out IReadOnlyList<UnreadablePidFile> unreadable)
    {
        unreadable = [];
        if (!Directory.Exists(paths.Pids))
        {
            return [];
        }

        var records = new List<PidRecord>();
        var broken = new List<UnreadablePidFile>();
        foreach (var file in Directory.EnumerateFiles(paths.Pids, "*.pid").Order(StringComparer.Ordinal))
        {
            try
            {
                var record = JsonSerializer.Deserialize<PidRecord>(File.ReadAllText(file), Json);
                if (PidRecordProblem(record, Path.GetFileNameWithoutExtension(file)) is { } problem)
                {
                    broken.Add(new UnreadablePidFile(file, problem));
                }
                else
                {
                    records.Add(record!);
                }
            }
            catch (JsonException exception)
            {
                broken.Add(new UnreadablePidFile(file, $"not a pid record: {exception.Message}"));
            }
            catch (FileNotFoundException)
            {
                // removed meanwhile by a concurrent stop
            }
        }

        unreadable = broken;
        return records;
    }

    /// <summary>What makes <paramref name="record"/> (read from <c>&lt;<paramref name="name"/>&gt;.pid</c>) name no process, or null.</summary>
    private static string? PidRecordProblem(PidRecord? record, string name) => record switch
    {
        null => "it holds null, not a pid record",
        { Name: null or "" } => "no \"Name\"",
        _ when record.Name != name => $"it records \"{record.Name}\", not \"{name}\" as its file name says",
        { Pid: <= 0 } => $"\"Pid\" {record.Pid} is no process id",
        { Executable: null or "" } => "no \"Executable\"",
        _ when !Enum.IsDefined(record.StopSignal) => $"\"StopSignal\" {(int)record.StopSignal} is not one of {string.Join(", ", Enum.GetValues<ProcessSignal>().Select(v => (int)v))}",
        _ => null,
    };

    private static void DeleteUnreadable(IEnumerable<UnreadablePidFile> unreadable)
    {
        foreach (var file in unreadable)
        {
            File.Delete(file.File);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of a log file (its last 64 KiB at most).</summary>
    public static string ReadLogTail(string path, int lines = LogTailLines)
    {
        if (!File.Exists(path))
        {
            return "(no log file)";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Max(0, stream.Length - 65536), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().Split('\n');
        var tail = all.Reverse().SkipWhile(string.IsNullOrWhiteSpace).Take(lines).Reverse();
        return string.Join('\n', tail);
    }

    private async Task ForgetCrashedAsync()
    {
        foreach (var crashed in _running.Where(r => !ProcessTree.IsAlive(r.Identity)).ToList())
        {
            // The root died on its own; take down whatever of its tree lingers before starting it again.
            await ProcessTree.KillTreeAsync(crashed.Identity, ProcessSignal.Kill, TimeSpan.Zero);
            Forget(crashed);
        }
    }

    private List<ProcessSpec> Order(List<ProcessSpec> specs)
    {
        var byName = specs.ToDictionary(s => s.Name);
        var ordered = new List<ProcessSpec>();
        var visiting = new HashSet<string>();
        void Visit(ProcessSpec spec)
        {
            if (ordered.Contains(spec))
            {
                return;
            }

            if (!visiting.Add(spec.Name))
            {
                throw new StackStartException(spec.Name, $"{spec.Name} depends on itself through {string.Join(" → ", visiting)}");
            }

            foreach (var dependency in spec.DependsOn)
            {
                if (byName.TryGetValue(dependency, out var next))
                {
                    Visit(next);
                }
                else if (GetProcess(dependency) is null)
                {
                    throw new StackStartException(spec.Name, $"{spec.Name} depends on {dependency}, which is neither running nor being started");
                }
            }

            visiting.Remove(spec.Name);
            ordered.Add(spec);
        }

        specs.ForEach(Visit);
        return ordered;
    }

    private void Preflight(List<ProcessSpec> specs)
    {
        foreach (var spec in specs)
        {
            if (!File.Exists(spec.Executable))
            {
                var install = spec.Package is null ? string.Empty : $"; install the Debian package: apt-get install {spec.Package}";
                throw new StackStartException(spec.Name, $"{spec.Name}: {spec.Executable} is not installed{install}");
            }

            var pidFile = Paths.PidFile(spec.Name);
            if (ReadPidFiles(Paths).FirstOrDefault(r => r.Name == spec.Name) is { } record)
            {
                if (record.IsRunning)
                {
                    throw new StackStartException(spec.Name, $"{spec.Name} is already running (pid {record.Pid}, see {pidFile}); stop it first with `thebot down`");
                }

                File.Delete(pidFile);
            }
        }

        Ports.EnsureFree(specs.SelectMany(s => s.Ports.Values.Select(p => (s.Name, p))), PortOverrideHint);
    }

    private async Task StartOneAsync(ProcessSpec spec, CancellationToken cancellationToken)
    {
        foreach (var folder in new[] { Paths.Logs, Paths.Pids })
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (FileProblem.IsFileSystemError(e))
            {
                throw new StackStartException(spec.Name, $"{spec.Name} was not started: {FileProblem.Describe(folder, e, folder: true)}", e);
            }
        }

        if (spec.Setup is { IsDone: false } setup)
        {
            try
            {
                await setup.RunAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new StackStartException(spec.Name, $"{spec.Name}: setup failed: {e.Message}", e);
            }
        }

        var log = LogFileOf(spec);
        var running = await LaunchAsync(spec, log, cancellationToken);
        string? failure;
        try
        {
            failure = await WaitReadyAsync(running, cancellationToken) ?? await AfterReadyAsync(spec, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await StopTreeAsync(running, TimeSpan.FromSeconds(2));
            throw;
        }

        if (failure is not null)
        {
            await StopTreeAsync(running, TimeSpan.FromSeconds(2));
            throw new StackStartException(spec.Name, $"{failure}\nlast {LogTailLines} lines of {log}:\n{ReadLogTail(log)}");
        }

        _running.Add(running);
    }

    /// <summary>
    /// Starts the process with its output appended to <paramref name="log"/> and writes its pid file. sh redirects
    /// the output and execs setsid, which execs the program (through setpriv when it runs as another user): one pid,
    /// its own session, and output that outlives this process (needed by <c>up --detach</c>). A log that cannot be
    /// written stops the start before the process runs; a pid file that cannot be written kills the process at once,
    /// as nothing (<c>down</c> included) could find it to stop it later.
    /// </summary>
    private async Task<Entry> LaunchAsync(ProcessSpec spec, string log, CancellationToken cancellationToken)
    {
        var (file, args) = UnixUser.Wrap(spec.RunAs, spec.Executable, spec.Arguments);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(log)!);
            await File.AppendAllTextAsync(log, $"==== thebot {DateTimeOffset.UtcNow:O} starting {spec.Name}: {file} {string.Join(' ', args)}\n", cancellationToken);
        }
        catch (Exception e) when (FileProblem.IsFileSystemError(e))
        {
            throw new StackStartException(spec.Name, $"{spec.Name} was not started: its log cannot be written: {FileProblem.Describe(e)}", e);
        }

        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = spec.WorkingDirectory ?? Paths.Root };
        string[] wrapper = ["-c", "log=$1; shift; exec /usr/bin/setsid \"$@\" </dev/null >>\"$log\" 2>&1", "thebot-" + spec.Name, log, file];
        foreach (var arg in wrapper.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in spec.Environment)
        {
            info.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new StackStartException(spec.Name, $"{spec.Name}: could not start: {e.Message}", e);
        }

        var identity = ProcessTree.Identify(process.Id) ?? new ProcessIdentity(process.Id, 0);
        var record = new PidRecord(spec.Name, identity.Pid, identity.StartTime, spec.Executable, DateTimeOffset.UtcNow, spec.StopSignal, spec.StopGracePeriod.TotalSeconds);
        var entry = new Entry(spec, identity, process);
        var pidFile = Paths.PidFile(spec.Name);
        try
        {
            // Not cancellable: the process runs now, and a Ctrl+C at this moment must still find its pid file to stop it.
            await File.WriteAllTextAsync(pidFile, JsonSerializer.Serialize(record, Json), CancellationToken.None);
        }
        catch (Exception e) when (FileProblem.IsFileSystemError(e))
        {
            await ProcessTree.KillTreeAsync(identity, ProcessSignal.Kill, TimeSpan.Zero);
            await process.WaitForExitAsync(CancellationToken.None);
            process.Dispose();
            throw new StackStartException(spec.Name,
                $"{spec.Name} was stopped right after its start: its pid file cannot be written, so nothing could stop it later: {FileProblem.Describe(pidFile, e)}", e);
        }

        return entry;
    }

    private static async Task<string?> AfterReadyAsync(ProcessSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            if (spec.AfterReady is { } afterReady)
            {
                await afterReady(cancellationToken);
            }

            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"{spec.Name} became ready but its after-ready step failed: {e.Message}";
        }
    }

    private static async Task<string?> WaitReadyAsync(Entry running, CancellationToken cancellationToken)
    {
        var spec = running.Spec;
        var deadline = DateTime.UtcNow + spec.ReadinessTimeout;
        var lastError = "not ready";
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            if (running.Process.HasExited)
            {
                return $"{spec.Name} exited with code {running.Process.ExitCode} before it was ready";
            }

            if (spec.Readiness is not { } probe)
            {
                return null;
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                if (await probe.CheckAsync(attempt.Token))
                {
                    return null;
                }

                lastError = "not ready";
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                lastError = e.Message;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return $"{spec.Name} did not become ready within {spec.ReadinessTimeout.TotalSeconds:0.#} s ({probe.Description}; last: {lastError})";
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    private async Task<IReadOnlyList<ProcessIdentity>> StopCoreAsync(string name, CancellationToken cancellationToken)
    {
        var running = _running.FirstOrDefault(r => r.Spec.Name == name);
        if (running is null)
        {
            return [];
        }

        var tree = await StopTreeAsync(running, running.Spec.StopGracePeriod, cancellationToken);
        Forget(running);
        return tree;
    }

    private async Task<IReadOnlyList<ProcessIdentity>> StopTreeAsync(Entry running, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var tree = await ProcessTree.KillTreeAsync(running.Identity, running.Spec.StopSignal, grace, cancellationToken);
        await running.Process.WaitForExitAsync(cancellationToken);
        DeleteOwnPidFile(running);
        return tree;
    }

    private void Forget(Entry running)
    {
        _running.Remove(running);
        running.Process.Dispose();
        DeleteOwnPidFile(running);
    }

    /// <summary>
    /// Deletes the pid file of <paramref name="running"/> only while it still records that very process (pid and
    /// start time, the pid-reuse guard of <see cref="PidRecord"/>): once another CLI restarted the component, the file
    /// names the new process, and deleting it would hide that process from <c>down</c> and <c>status</c>.
    /// </summary>
    private void DeleteOwnPidFile(Entry running)
    {
        if (ReadPidFile(running.Spec.Name) is { } record && record.Identity == running.Identity)
        {
            File.Delete(Paths.PidFile(running.Spec.Name));
        }
    }

    /// <summary>
    /// Stops the process the pid file of <paramref name="name"/> records in place of the one this supervisor started
    /// (already stopped), if it runs, with its own stop signal and grace, and deletes that file.
    /// </summary>
    private async Task StopReplacementAsync(string name, CancellationToken cancellationToken)
    {
        if (ReadPidFile(name) is not { } record)
        {
            return;
        }

        if (record.IsRunning)
        {
            await ProcessTree.KillTreeAsync(record.Identity, record.StopSignal, TimeSpan.FromSeconds(record.StopGraceSeconds), cancellationToken);
        }

        File.Delete(Paths.PidFile(name));
    }

    /// <summary>The pid file of <paramref name="name"/>, or null when there is none or it records no usable process.</summary>
    private PidRecord? ReadPidFile(string name) => ReadPidFiles(Paths).FirstOrDefault(r => r.Name == name);
}
