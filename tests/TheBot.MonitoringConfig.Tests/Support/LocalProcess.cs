using System.Diagnostics;
using TheBot.Stack;
using TheBot.Testing;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>
/// One real server binary of the HA topology that the shared fixtures (tests/TheBot.Testing) do not start:
/// VictoriaMetrics, or an Alertmanager with clustering on. Loopback, a free port, its own temp directory; killed
/// with its process tree on dispose. Ready once <c>/health</c>-style <see cref="ReadyPath"/> answers 200.
/// </summary>
public sealed class LocalProcess : IAsyncDisposable
{
    private readonly Process _process;

    private LocalProcess(Process process, int port, string directory, string readyPath)
    {
        _process = process;
        Port = port;
        Directory = directory;
        ReadyPath = readyPath;
    }

    /// <summary>The HTTP port.</summary>
    public int Port { get; }

    /// <summary>Base URL on loopback.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Working directory (data, configuration); deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>The path that answers 200 once the server serves.</summary>
    public string ReadyPath { get; }

    /// <summary>VictoriaMetrics single-node with deduplication at <paramref name="dedupInterval"/> (the HA topology's setting).</summary>
    public static Task<LocalProcess> VictoriaMetricsAsync(string dedupInterval = "1s") =>
        StartAsync("victoria-metrics", "/health", (port, dir) =>
            [$"-httpListenAddr=127.0.0.1:{port}", $"-storageDataPath={Path.Combine(dir, "data")}", $"-dedup.minScrapeInterval={dedupInterval}"]);

    /// <summary>An Alertmanager with clustering on (one member listening for peers), routing to nothing.</summary>
    public static Task<LocalProcess> ClusteredAlertmanagerAsync() =>
        StartAsync("prometheus-alertmanager", "/-/ready", (port, dir) =>
        {
            File.WriteAllText(Path.Combine(dir, "alertmanager.yml"), AlertmanagerServer.NullConfig);
            return
            [
                $"--config.file={Path.Combine(dir, "alertmanager.yml")}", $"--storage.path={Path.Combine(dir, "data")}",
                $"--web.listen-address=127.0.0.1:{port}", $"--cluster.listen-address=127.0.0.1:{Ports.GetFree()}",
            ];
        });

    private static async Task<LocalProcess> StartAsync(string tool, string readyPath, Func<int, string, string[]> arguments)
    {
        var binary = Tools.Require(tool);
        var port = Ports.GetFree();
        var dir = System.IO.Directory.CreateTempSubdirectory($"thebot-{tool}-").FullName;
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments(port, dir))
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        // Drain its logs so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new LocalProcess(process, port, dir, readyPath);
        try
        {
            await TestHttp.WaitUntilAsync(
                async () =>
                {
                    try
                    {
                        using var response = await TestHttp.Client.GetAsync(server.Url + readyPath);
                        return response.IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                },
                TimeSpan.FromSeconds(30),
                () => $"{tool} on port {port} not ready (exited: {process.HasExited})");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
