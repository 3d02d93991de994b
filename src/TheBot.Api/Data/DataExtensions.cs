using System.Data.Common;
using Microsoft.Extensions.Caching.StackExchangeRedis;
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

    /// <summary>Milliseconds to connect and to wait for a reply; applied unless the configuration string sets them.</summary>
    public int TimeoutMilliseconds { get; set; } = 1000;
}

/// <summary>The pool behind the application's <see cref="DbDataSource"/>, kept only to drop dead connections after an outage.</summary>
public sealed class DatabasePool(NpgsqlDataSource dataSource)
{
    /// <summary>Closes idle connections, so the next command opens a fresh one instead of failing on a dead socket.</summary>
    public void Clear() => dataSource.Clear();
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

        var dataSource = NpgsqlDataSource.Create(WithTimeouts(postgres, database));
        services.AddSingleton(new DatabasePool(dataSource));
        services.AddSingleton<DbDataSource>(dataSource);

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
                options.ConfigurationOptions = RedisConfiguration(redis, cache.TimeoutMilliseconds);
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

        builder.ApplicationName ??= "thebot-backend";
        return builder.ConnectionString;
    }

    /// <summary>
    /// Redis that never blocks a request for long: short timeouts, no abort when it is down at start-up, and commands
    /// fail at once while disconnected (the cache then counts a miss and the read goes to the database).
    /// </summary>
    internal static ConfigurationOptions RedisConfiguration(string configuration, int timeoutMilliseconds)
    {
        var options = ConfigurationOptions.Parse(configuration);
        var given = configuration.ToLowerInvariant();
        if (!given.Contains("connecttimeout=", StringComparison.Ordinal))
        {
            options.ConnectTimeout = timeoutMilliseconds;
        }

        if (!given.Contains("synctimeout=", StringComparison.Ordinal))
        {
            options.SyncTimeout = timeoutMilliseconds;
        }

        if (!given.Contains("asynctimeout=", StringComparison.Ordinal))
        {
            options.AsyncTimeout = timeoutMilliseconds;
        }

        if (!given.Contains("abortconnect=", StringComparison.Ordinal))
        {
            options.AbortOnConnectFail = false;
        }

        options.BacklogPolicy = BacklogPolicy.FailFast;
        return options;
    }
}
