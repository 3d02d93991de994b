using TheBot.Stack;
using TheBot.Stack.Components;

namespace TheBot.Testing;

/// <summary>A real Redis on a free port in a temp folder (no persistence, no password).</summary>
public class RedisServer : ServerFixture
{
    /// <summary>Describes the server; it starts in <see cref="ServerFixture.InitializeAsync"/>.</summary>
    public RedisServer() => Server = new Redis(Paths, Ports.GetFree());

    /// <summary>The component.</summary>
    public Redis Server { get; }

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port => Server.Port;

    /// <summary>StackExchange.Redis configuration string.</summary>
    public string ConnectionString => Server.ConnectionString;

    /// <inheritdoc />
    protected override string MainProcess => ServiceNames.Redis;

    /// <summary>Starts a server outside xunit's fixture lifecycle.</summary>
    public static Task<RedisServer> StartNewAsync() => StartAsync(new RedisServer());

    /// <summary>True when the server answers PING.</summary>
    public Task<bool> PingAsync() => Redis.PingAsync(Port, Server.Password, CancellationToken.None);

    /// <inheritdoc />
    protected override IEnumerable<ProcessSpec> CreateSpecs() => [Server.Spec];
}
