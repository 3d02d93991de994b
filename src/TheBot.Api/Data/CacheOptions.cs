namespace TheBot.Api.Data;

/// <summary>Cache settings (section <c>Cache</c>); the Redis configuration string is <c>ConnectionStrings:Redis</c>.</summary>
public sealed class CacheOptions
{
    public const string SectionName = "Cache";

    /// <summary>How long a cached read stays valid.</summary>
    public int TimeToLiveSeconds { get; set; } = 60;

    /// <summary>Prefix of every key in Redis.</summary>
    public string InstanceName { get; set; } = "thebot:";

    /// <summary>
    /// Milliseconds a command (read or write) may wait for Redis's reply (<c>syncTimeout</c>, <c>asyncTimeout</c>);
    /// applied unless the configuration string sets them. A hung Redis costs a read at most this plus one
    /// <see cref="DataExtensions.RedisHeartbeat"/> (which is when the client notices the timeout): about 0.4 s, and the
    /// monitoring library's circuit breaker spares the following calls that wait.
    /// </summary>
    public int TimeoutMilliseconds { get; set; } = 300;

    /// <summary>Milliseconds to establish a connection (<c>connectTimeout</c>); applied unless the configuration string sets it.</summary>
    public int ConnectTimeoutMilliseconds { get; set; } = 500;
}
