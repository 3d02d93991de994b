using System.Diagnostics;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>Runs a command-line tool with stdin, capturing its output.</summary>
public static class Tools
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, string? stdin = null)
    {
        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"{file} is missing: install Debian's package for it (./thebot test does).");
        }

        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
