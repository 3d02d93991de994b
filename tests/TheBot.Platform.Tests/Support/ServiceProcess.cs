using System.Diagnostics;
using TheBot.Stack;

namespace TheBot.Platform.Tests.Support;

/// <summary>
/// A THE_BOT service (backend or frontend) run as a real process from its build output, configured only through
/// environment variables and <c>--urls</c> — exactly as the CLI starts it — on a free loopback port.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ProcessSupervisor _supervisor;
    private readonly string _name;

    private ServiceProcess(ProcessSupervisor supervisor, string name, int port, string logFolder)
    {
        _supervisor = supervisor;
        _name = name;
        Port = port;
        LogFolder = logFolder;
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Folder given as <c>Logging:File:Path</c>.</summary>
    public string LogFolder { get; }

    /// <summary>The running process (pid and start time: equal values mean it was never restarted), null when stopped.</summary>
    public ProcessIdentity? Process => _supervisor.GetProcess(_name);

    /// <summary>
    /// Every line the process wrote to stdout and stderr, without the supervisor's own <c>==== </c> banner lines
    /// (written into the same file when it starts the process).
    /// </summary>
    public string[] OutputLines()
    {
        using var stream = new FileStream(_supervisor.Paths.LogFile(_name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith("==== ", StringComparison.Ordinal)).ToArray();
    }

    /// <summary>stdout/stderr of the process, for assertion messages.</summary>
    public string Output => ProcessSupervisor.ReadLogTail(_supervisor.Paths.LogFile(_name), 40);

    public static async Task<ServiceProcess> StartAsync(string project, IReadOnlyDictionary<string, string> environment)
    {
        var paths = StackPaths.CreateTemporary($"thebot-{project.ToLowerInvariant()}-");
        var supervisor = new ProcessSupervisor(paths);
        var port = Ports.GetFree();
        var name = project.ToLowerInvariant();
        var logFolder = Path.Combine(paths.Root, "app-logs");
        var env = new Dictionary<string, string>(environment)
        {
            ["Logging__File__Path"] = logFolder,
            ["DOTNET_NOLOGO"] = "1",
        };
        env.TryAdd("ASPNETCORE_ENVIRONMENT", "Development");
        var spec = new ProcessSpec(name, DotnetHost())
        {
            Arguments = [BuildOutput(project), "--urls", $"http://127.0.0.1:{port}"],
            Environment = env,
            Ports = new Dictionary<string, int> { ["http"] = port },
            Readiness = ReadinessProbe.HttpGet($"http://127.0.0.1:{port}/api/system/liveness/"),
            ReadinessTimeout = TimeSpan.FromSeconds(30),
            StopGracePeriod = TimeSpan.FromSeconds(5),
        };
        await supervisor.StartAsync([spec]);
        return new ServiceProcess(supervisor, name, port, logFolder);
    }

    public async ValueTask DisposeAsync()
    {
        await _supervisor.DisposeAsync();
        try
        {
            Directory.Delete(_supervisor.Paths.Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The service's dll in the same configuration as this test assembly (Release under <c>-c Release</c>).</summary>
    private static string BuildOutput(string project)
    {
        var testBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(testBin);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testBin)!);
        var dll = Path.Combine(TheBot.Testing.Repository.Root,
            "src", project, "bin", configuration, framework, project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: build the solution first.", dll);
    }

    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var current = System.Diagnostics.Process.GetCurrentProcess().MainModule?.FileName;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        return new[] { "/usr/bin/dotnet", "/usr/share/dotnet/dotnet", "/usr/lib/dotnet/dotnet" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("dotnet host not found; set DOTNET_HOST_PATH.");
    }
}
