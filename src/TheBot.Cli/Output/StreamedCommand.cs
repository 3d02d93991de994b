using System.Diagnostics;

namespace TheBot.Cli.Output;

/// <summary>
/// Runs a long command whose output a person follows as it comes (<c>dotnet build</c>, <c>dotnet test</c>,
/// <c>apt-get</c>): each line is written to the invocation's writer as soon as the command prints it, instead of to
/// this process's own console, so <c>--json</c> can send it to standard error and a test can read it; cancelling
/// kills the command's whole tree. <see cref="TheBot.Stack.CommandRunner"/> is the same for short commands whose output is
/// only wanted at the end.
/// </summary>
internal static class StreamedCommand
{
    /// <summary>
    /// How long the output may still be read once the command has exited: a grandchild that inherited the pipes (a
    /// compiler server, a build node) would otherwise hold them open for minutes after the command itself is done.
    /// </summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="start"/> (its streams redirected here), writing its stdout and stderr lines to <paramref name="output"/>; returns its exit code.</summary>
    public static async Task<int> RunAsync(ProcessStartInfo start, TextWriter output, CancellationToken cancellationToken)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // Nothing these commands run asks a question; an empty stdin makes one that does fail instead of wait.
        start.RedirectStandardInput = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        process.StandardInput.Close();
        var gate = new Lock();
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, output, gate), PumpAsync(process.StandardError, output, gate));
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            // Let the killed tree finish writing, so what the caller prints next comes after it.
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await pumps.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        await pumps.WaitAsync(DrainTimeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return process.ExitCode;
    }

    /// <summary>Copies one stream line by line; the lock keeps a stdout line and a stderr line from interleaving mid-line.</summary>
    private static async Task PumpAsync(StreamReader reader, TextWriter output, Lock gate)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (gate)
            {
                output.WriteLine(line);
            }
        }
    }
}
