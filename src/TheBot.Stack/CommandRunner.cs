using System.Diagnostics;

namespace TheBot.Stack;

/// <summary>Outcome of a finished (or timed-out) command.</summary>
/// <param name="ExitCode">Exit code; -1 when the command timed out and was killed.</param>
/// <param name="StandardOutput">Everything written to stdout.</param>
/// <param name="StandardError">Everything written to stderr.</param>
/// <param name="TimedOut">True when the command ran past its timeout and was killed.</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    /// <summary>Exit code 0 and no timeout.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>Throws with the command's output when it did not succeed; returns itself otherwise.</summary>
    public CommandResult EnsureSuccess(string what) => Succeeded
        ? this
        : throw new InvalidOperationException(
            $"{what} {(TimedOut ? "timed out" : $"exited with code {ExitCode}")}\nstdout: {StandardOutput.Trim()}\nstderr: {StandardError.Trim()}");
}

/// <summary>Options of <see cref="CommandRunner.RunAsync"/>.</summary>
public sealed record CommandOptions
{
    /// <summary>Kill the command (and its children) after this long; one minute by default.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Extra environment variables.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Working folder; the current one when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Unix user to run as (through <c>setpriv</c>); null runs as the caller.</summary>
    public string? RunAs { get; init; }

    /// <summary>Text written to stdin (then closed); stdin is empty when null.</summary>
    public string? StandardInput { get; init; }
}

/// <summary>Runs a short-lived command and captures its exit code, stdout and stderr.</summary>
public static class CommandRunner
{
    /// <summary>Runs <paramref name="executable"/> with <paramref name="arguments"/> (no shell) and waits for it.</summary>
    public static async Task<CommandResult> RunAsync(
        string executable, IEnumerable<string> arguments, CommandOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CommandOptions();
        var (file, args) = UnixUser.Wrap(options.RunAs, executable, arguments);
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? string.Empty,
        };
        args.ForEach(info.ArgumentList.Add);
        foreach (var (key, value) in options.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (options.StandardInput is { } input)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Whoever gave up — the timeout or the caller (Ctrl+C, a test's deadline) — the command must not outlive
            // the call: a psql or promtool left running would hold ports, files and CPU of a stack that is going away.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return new CommandResult(-1, await stdout, await stderr, TimedOut: true);
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr, TimedOut: false);
    }

    /// <summary>Runs the command and throws (with its output) unless it exits 0.</summary>
    public static async Task<CommandResult> RunCheckedAsync(
        string executable, IEnumerable<string> arguments, CommandOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = arguments.ToList();
        var result = await RunAsync(executable, list, options, cancellationToken);
        return result.EnsureSuccess($"`{Path.GetFileName(executable)} {string.Join(' ', list)}`");
    }
}

/// <summary>Running as another Unix user without a wrapper process: <c>setpriv</c> drops privileges and execs in place.</summary>
public static class UnixUser
{
    /// <summary>Path of <c>setpriv</c> (Debian package util-linux).</summary>
    public const string SetPriv = "/usr/bin/setpriv";

    /// <summary>The numeric uid and gid of <paramref name="user"/>, from <c>/etc/passwd</c>.</summary>
    public static (int Uid, int Gid, string Home) Lookup(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length >= 6 && f[0] == user)
            {
                return (int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture), f[5]);
            }
        }

        throw new InvalidOperationException($"user '{user}' does not exist (is the package that creates it installed?)");
    }

    /// <summary>Changes the owner of <paramref name="path"/> (and, for a folder, everything in it) to <paramref name="user"/>.</summary>
    public static Task ChownAsync(string path, string user, CancellationToken cancellationToken = default)
    {
        var (uid, gid, _) = Lookup(user);
        return CommandRunner.RunCheckedAsync("/bin/chown", ["-R", $"{uid}:{gid}", path], cancellationToken: cancellationToken);
    }

    /// <summary>The command line that runs <paramref name="executable"/> as <paramref name="user"/> (unchanged when null).</summary>
    public static (string Executable, List<string> Arguments) Wrap(string? user, string executable, IEnumerable<string> arguments)
    {
        if (user is null)
        {
            return (executable, [.. arguments]);
        }

        var (uid, gid, _) = Lookup(user);
        return (SetPriv, [$"--reuid={uid}", $"--regid={gid}", "--init-groups", "--", executable, .. arguments]);
    }
}
