using System.Net.Sockets;
using System.Text;

namespace TheBot.Stack.Components;

/// <summary>
/// Redis bound to 127.0.0.1 with <c>protected-mode yes</c>, its working folder in the state folder and no
/// persistence (a cache); optional <c>requirepass</c> (Redis rewrites its process title, so the password does not
/// stay visible in <c>/proc</c>).
/// </summary>
public sealed class Redis(StackPaths paths, int port, string? password = null)
{
    /// <summary>The server binary.</summary>
    public const string Executable = "/usr/bin/redis-server";

    /// <summary>The Debian package that ships <see cref="Executable"/>, named when it is missing.</summary>
    public const string DebianPackage = "redis-server";

    /// <summary>The binaries this component needs installed → the Debian package that ships each (joined by the CLI's <c>DebianPackageMap</c>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } = [(Executable, DebianPackage)];

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <summary>Its row of the services table.</summary>
    public ServiceAccess Access => new("Redis", $"redis://127.0.0.1:{Port}", "loopback only");

    /// <summary>The <c>requirepass</c> password, or null for none.</summary>
    public string? Password { get; } = password;

    /// <summary>The cache's memory limit (<c>maxmemory</c>).</summary>
    public const string MaxMemory = "256mb";

    /// <summary>StackExchange.Redis configuration string.</summary>
    public string ConnectionString => Password is null ? $"127.0.0.1:{Port}" : $"127.0.0.1:{Port},password={Password}";

    /// <summary>redis:// URL (without the password).</summary>
    public string Url => $"redis://127.0.0.1:{Port}";

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => new(ServiceNames.Redis, Executable)
    {
        Package = DebianPackage,
        Arguments =
        [
            "--bind", "127.0.0.1", "--port", $"{Port}", "--protected-mode", "yes", "--daemonize", "no",
            "--dir", paths.Data(ServiceNames.Redis), "--save", "", "--appendonly", "no",
            // The platform uses Redis only as a cache: bounded, evicting the least recently used key, so it can never
            // grow into the machine, and RedisMemoryNearMax/RedisEvictions have a limit to measure against.
            "--maxmemory", MaxMemory, "--maxmemory-policy", "allkeys-lru",
            .. Password is null ? Array.Empty<string>() : ["--requirepass", Password],
        ],
        Ports = new Dictionary<string, int> { ["redis"] = Port },
        Address = $"127.0.0.1:{Port}",
        Readiness = ReadinessProbe.Check($"redis PING on 127.0.0.1:{Port}", ct => PingAsync(Port, Password, ct)),
        Setup = new SetupStep(paths.Data(ServiceNames.Redis), _ =>
        {
            Directory.CreateDirectory(paths.Data(ServiceNames.Redis));
            return Task.CompletedTask;
        }),
    };

    /// <summary>True when the server on <paramref name="port"/> answers PING (after AUTH when a password is given).</summary>
    public static async Task<bool> PingAsync(int port, string? password, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cancellationToken);
        var stream = client.GetStream();
        var request = (password is null ? string.Empty : Command("AUTH", password)) + Command("PING");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), cancellationToken);
        var buffer = new byte[256];
        var received = new StringBuilder();
        while (!received.ToString().Contains("PONG", StringComparison.Ordinal) && !received.ToString().Contains('-', StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, cancellationToken);
            if (n == 0)
            {
                break;
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        return received.ToString().Contains("+PONG", StringComparison.Ordinal);
    }

    private static string Command(params string[] parts) =>
        $"*{parts.Length}\r\n" + string.Concat(parts.Select(p => $"${Encoding.UTF8.GetByteCount(p)}\r\n{p}\r\n"));
}
