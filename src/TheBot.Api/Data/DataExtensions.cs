using System.Data.Common;
using Npgsql;
using StackExchange.Redis;
using TheBot.Monitoring;
using TheBot.Monitoring.Health;

namespace TheBot.Api.Data;

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
