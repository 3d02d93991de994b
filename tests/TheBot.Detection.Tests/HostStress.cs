using System.Diagnostics;
using System.Globalization;
using TheBot.Stack;

namespace TheBot.Detection.Tests;

/// <summary>
/// A real load on this machine, made by a shell loop (busy CPU at the lowest priority, or <c>dd</c> with direct I/O)
/// and stopped with its whole process tree.
/// </summary>
internal sealed class StressProcess : IAsyncDisposable
{
    private readonly Process _process;
    private int _disposed;

    private StressProcess(string script)
    {
        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start: sh -c {script}");
    }

    /// <summary>One busy loop per CPU, niced to 19 so the stack under test keeps its share (niced time is not idle time).</summary>
    public static IReadOnlyList<StressProcess> BusyCpus() =>
        [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new StressProcess("exec nice -n 19 sh -c 'while :; do :; done'"))];

    /// <summary>
    /// Reads a 64 MiB file in <paramref name="folder"/> again and again with 4 KiB <c>O_DIRECT</c> reads, so every read
    /// is a completed disk operation (the page cache cannot absorb it).
    /// </summary>
    public static async Task<StressProcess> DirectReadsAsync(string folder)
    {
        var file = Path.Combine(folder, "disk-stress.bin");
        var block = new byte[1 << 20];
        Random.Shared.NextBytes(block);
        await using (var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.WriteThrough))
        {
            for (var i = 0; i < 64; i++)
            {
                await stream.WriteAsync(block);
            }
        }

        var stress = new StressProcess($"while dd if='{file}' of=/dev/null bs=4k iflag=direct status=none; do :; done; echo 'dd with iflag=direct failed on {folder}' >&2; exit 1");
        await Task.Delay(500);
        return stress.IsRunning ? stress : throw new InvalidOperationException($"direct reads on {folder} stopped at once (exit {stress._process.ExitCode}): the file system may not support O_DIRECT");
    }

    public bool IsRunning => !_process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (ProcessTree.Identify(_process.Id) is { } root)
        {
            await ProcessTree.KillTreeAsync(root, ProcessSignal.Kill, TimeSpan.Zero);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

/// <summary>
/// Holds memory in a tmpfs file (<c>/dev/shm</c>): its pages cannot be reclaimed, so they leave <c>MemAvailable</c>,
/// which is what <c>instance:node_memory_usage:percent</c> reads. A background loop keeps the machine's used share at
/// <see cref="Target"/> percent (within half a point) as the rest of the machine grows or shrinks; deleting the file
/// gives everything back at once.
/// </summary>
internal sealed class MemoryPressure : IAsyncDisposable
{
    /// <summary>Never hold the machine above this: the stack under test must keep room to run.</summary>
    public const double Ceiling = 92;

    private const string Folder = "/dev/shm";
    private const int Chunk = 1 << 20;
    private readonly FileStream _file;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private double _target = double.NaN;

    public MemoryPressure()
    {
        RemoveLeftovers();
        _file = new FileStream(Path.Combine(Folder, $"thebot-detection-{Environment.ProcessId}"), FileMode.Create, FileAccess.ReadWrite, FileShare.None, Chunk, FileOptions.DeleteOnClose);
        _loop = Task.Run(() => KeepAsync(_stop.Token));
    }

    /// <summary>Share of the machine's memory in use to hold (percent), or null to hold nothing.</summary>
    public double? Target
    {
        get => Volatile.Read(ref _target) is var target && double.IsNaN(target) ? null : target;
        set
        {
            if (value is > Ceiling)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"memory pressure is capped at {Ceiling}%");
            }

            Volatile.Write(ref _target, value ?? double.NaN);
        }
    }

    /// <summary>Bytes this object holds now.</summary>
    public long Held => _file.Length;

    /// <summary>Memory in use in percent, computed like the recording rule: 100 · (1 − MemAvailable / MemTotal).</summary>
    public static double UsedPercent()
    {
        var (total, available) = ReadMemInfo();
        return 100.0 * (1 - (double)available / total);
    }

    /// <summary>Waits until the machine's used share is within half a point of <see cref="Target"/> (or nothing is held).</summary>
    public async Task SettleAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Target is not { } target ? Held == 0 : Math.Abs(UsedPercent() - target) < 0.5)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"memory in use stayed at {UsedPercent():F1}% (target {Target?.ToString("F1", CultureInfo.InvariantCulture) ?? "none"}, holding {Held >> 20} MiB)");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        await _file.DisposeAsync();
        _stop.Dispose();
    }

    private async Task KeepAsync(CancellationToken cancellationToken)
    {
        var block = new byte[Chunk];
        Array.Fill(block, (byte)0x5a);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (Target is not { } target)
            {
                _file.SetLength(0);
            }
            else
            {
                var (total, available) = ReadMemInfo();
                var missing = (long)(target / 100 * total) - (total - available);
                if (missing > total / 200)
                {
                    _file.Seek(0, SeekOrigin.End);
                    for (var written = 0L; written < missing; written += Chunk)
                    {
                        await _file.WriteAsync(block, cancellationToken);
                    }

                    await _file.FlushAsync(cancellationToken);
                }
                else if (missing < -total / 200)
                {
                    _file.SetLength(Math.Max(0, (_file.Length + missing) / Chunk * Chunk));
                }
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private static (long Total, long Available) ReadMemInfo()
    {
        long total = 0, available = 0;
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                total = Kilobytes(line);
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                available = Kilobytes(line);
            }
        }

        return total > 0 ? (total, available) : throw new InvalidOperationException("/proc/meminfo has no MemTotal");

        static long Kilobytes(string line) =>
            1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    // A run killed before it could delete its file would otherwise keep that memory until the next boot.
    private static void RemoveLeftovers()
    {
        foreach (var file in Directory.EnumerateFiles(Folder, "thebot-detection-*"))
        {
            if (int.TryParse(Path.GetFileName(file)["thebot-detection-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ProcessTree.Identify(pid) is null)
            {
                File.Delete(file);
            }
        }
    }
}
