using System.Diagnostics;

namespace TheBot.Stack;

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
