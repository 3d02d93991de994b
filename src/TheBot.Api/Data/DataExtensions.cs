using System.Data.Common;
using Npgsql;
using StackExchange.Redis;
using TheBot.Monitoring;
using TheBot.Monitoring.Health;

namespace TheBot.Api.Data;

/// <summary>Database settings (section <c>Database</c>); the connection string itself is <c>ConnectionStrings:Postgres</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>
    /// Seconds to wait for a connection; applied unless the connection string sets <c>Timeout</c>. Npgsql also spends
    /// it, up to twice, on the cancel request it sends after a command timeout (SSL negotiation, then the request).
    /// </summary>
    public int ConnectTimeoutSeconds { get; set; } = 1;

    /// <summary>
    /// Seconds a command may run; applied unless the connection string sets <c>Command Timeout</c>. On a hung server —
    /// one that accepts connections but never answers — a request (and the readiness probe) on an open connection
    /// waits this plus up to twice <see cref="ConnectTimeoutSeconds"/> for Npgsql's cancel request: 2 + 2 × 1 = 4 s,
    /// inside the 5 s in which readiness must turn 503.
    /// </summary>
    public int CommandTimeoutSeconds { get; set; } = 2;

    /// <summary>
    /// Most connections the pool opens; applied unless the connection string sets <c>Maximum Pool Size</c>. Below
    /// PostgreSQL's default <c>max_connections</c> (100) with room for the exporter, migrations, the health probe's own
    /// connection and an operator's psql, and above what slow queries under load hold (40 req/s × 0.6 s ≈ 24). A burst
    /// beyond it waits for a free connection (within <see cref="ConnectTimeoutSeconds"/>) instead of forking one more
    /// server process per request. On a small host, many connections opened at once can each take longer than the
    /// connect timeout: lower this there (docs/operations.md, "Backend data path", has the measurements).
    /// </summary>
    public int MaxPoolSize { get; set; } = 50;

    /// <summary>
    /// Connections the pool keeps open when idle, opened once at start-up (after the schema is applied); applied unless
    /// the connection string sets <c>Minimum Pool Size</c>. A burst after a quiet spell then starts on warm connections
    /// instead of paying connection set-up (a server process fork and a SCRAM exchange) on every request. Kept small:
    /// during a hang every pooled connection costs one request the command timeout plus Npgsql's cancel request
    /// (3 s measured); with 10 the tenth request into a frozen server still took that long.
    /// </summary>
    public int MinPoolSize { get; set; } = 2;

    /// <summary>Seconds between attempts to apply the schema while the database is unreachable.</summary>
    public double MigrationRetrySeconds { get; set; } = 2;
}

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

/// <summary>The pool behind the application's <see cref="DbDataSource"/>, kept only to drop dead connections after an outage.</summary>
public sealed class DatabasePool(NpgsqlDataSource dataSource)
{
    /// <summary>Closes idle connections, so the next command opens a fresh one instead of failing on a dead socket.</summary>
    public void Clear() => dataSource.Clear();

    /// <summary>
    /// Opens the pool's minimum number of connections at once and returns them to the pool, so the first burst after
    /// start-up does not pay for opening them. Best effort: a connection that fails to open is opened later on demand.
    /// </summary>
    public async Task<int> WarmAsync(CancellationToken cancellationToken)
    {
        var minimum = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MinPoolSize;
        var opened = await Task.WhenAll(Enumerable.Range(0, minimum).Select(_ => OpenAsync(cancellationToken)));
        foreach (var connection in opened)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }

        return opened.Count(c => c is not null);
    }

    private async Task<NpgsqlConnection?> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}

public static class DataExtensions
{
    /// <summary><c>cache_name</c> of the in-process cache used when no Redis is configured.</summary>
    public const string InMemoryCacheName = "memory";

    /// <summary>
    /// PostgreSQL as the service's <see cref="DbDataSource"/> (instrumented by the monitoring library), Redis as its
    /// <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>, the read-through cache, and the
    /// schema migrator with its readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformData(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName);
        services.AddOptions<CacheOptions>().BindConfiguration(CacheOptions.SectionName);
        var database = builder.Configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var cache = builder.Configuration.GetSection(CacheOptions.SectionName).Get<CacheOptions>() ?? new CacheOptions();

        var postgres = builder.Configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(postgres))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set. Pass it as the environment variable ConnectionStrings__Postgres " +
                "or --ConnectionStrings:Postgres=\"Host=...;Port=...;Database=...;Username=...;Password=...\".");
        }

        // Named: Npgsql's pool metrics carry the name as db_client_connection_pool_name, by default the whole connection
        // string (about 200 bytes on every pool series, host and user included).
        var dataSource = new NpgsqlDataSourceBuilder(WithTimeouts(postgres, database)) { Name = "thebot" }.Build();
        services.AddSingleton(new DatabasePool(dataSource));
        services.AddSingleton<DbDataSource>(dataSource);
        services.AddTheBotNpgsqlHealthProbe();

        var redis = builder.Configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(redis))
        {
            // Development without Redis: an in-process cache keeps the read path identical. Its series must not claim
            // to be Redis: they are cache_name="memory" unless Monitoring:DistributedCacheName names them explicitly.
            services.AddDistributedMemoryCache();
            if (string.IsNullOrWhiteSpace(builder.Configuration[$"{MonitoringOptions.SectionName}:{nameof(MonitoringOptions.DistributedCacheName)}"]))
            {
                services.Configure<MonitoringOptions>(options => options.DistributedCacheName = InMemoryCacheName);
            }
        }
        else
        {
            services.AddStackExchangeRedisCache(options =>
            {
                options.ConfigurationOptions = RedisConfiguration(redis, cache);
                options.InstanceName = cache.InstanceName;
            });
        }

        services.AddSingleton<ReadThroughCache>();
        services.AddSingleton<SchemaState>();
        services.AddHostedService<SchemaMigrator>();
        services.AddHealthChecks().AddCheck<SchemaHealthCheck>("schema", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>Short connect, command and cancellation timeouts, so an unreachable or hung database fails a request in seconds.</summary>
    internal static string WithTimeouts(string connectionString, DatabaseOptions options)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Timeout"))
        {
            builder.Timeout = options.ConnectTimeoutSeconds;
        }

        if (!given.ContainsKey("Command Timeout") && !given.ContainsKey("CommandTimeout"))
        {
            builder.CommandTimeout = options.CommandTimeoutSeconds;
        }

        // After a command timeout Npgsql asks the server to cancel and by default waits 2 s for the answer; a hung
        // server never answers, so that wait would only stretch every failing request. The connection is dropped anyway.
        if (!given.ContainsKey("Cancellation Timeout") && !given.ContainsKey("CancellationTimeout"))
        {
            builder.CancellationTimeout = -1;
        }

        if (!given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("Max Pool Size") && !given.ContainsKey("MaxPoolSize"))
        {
            builder.MaxPoolSize = options.MaxPoolSize;
        }

        if (!given.ContainsKey("Minimum Pool Size") && !given.ContainsKey("Min Pool Size") && !given.ContainsKey("MinPoolSize"))
        {
            builder.MinPoolSize = Math.Min(options.MinPoolSize, builder.MaxPoolSize);
        }

        builder.ApplicationName ??= "thebot-backend";
        return builder.ConnectionString;
    }

    /// <summary>
    /// How often the Redis client checks its pending commands for timeouts. StackExchange.Redis notices an async
    /// timeout only on this heartbeat (1 s by default), so with the default a 300 ms timeout would really be up to 1.3 s.
    /// The check is a walk over the pending commands, cheap at this rate.
    /// </summary>
    public static readonly TimeSpan RedisHeartbeat = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Redis that never blocks a request for long: short timeouts noticed promptly, no abort when it is down at
    /// start-up, and commands fail at once while disconnected (the cache then counts a miss and the read goes to the
    /// database).
    /// </summary>
    internal static ConfigurationOptions RedisConfiguration(string configuration, CacheOptions cache)
    {
        var options = ConfigurationOptions.Parse(configuration);
        var given = configuration.ToLowerInvariant();
        if (!given.Contains("connecttimeout=", StringComparison.Ordinal))
        {
            options.ConnectTimeout = cache.ConnectTimeoutMilliseconds;
        }

        if (!given.Contains("synctimeout=", StringComparison.Ordinal))
        {
            options.SyncTimeout = cache.TimeoutMilliseconds;
        }

        if (!given.Contains("asynctimeout=", StringComparison.Ordinal))
        {
            options.AsyncTimeout = cache.TimeoutMilliseconds;
        }

        options.HeartbeatInterval = RedisHeartbeat;

        if (!given.Contains("abortconnect=", StringComparison.Ordinal))
        {
            options.AbortOnConnectFail = false;
        }

        options.BacklogPolicy = BacklogPolicy.FailFast;
        return options;
    }
}
