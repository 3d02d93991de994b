using System.Data.Common;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Data;

namespace TheBot.Monitoring.Health;

/// <summary>
/// database: <c>SELECT 1</c> on a new physical connection. A pooled one would prove nothing about new connections: a
/// postmaster that hangs (or runs out of connection slots) leaves the pool's open connections working while every new
/// connection waits, which is how a warm pool hides an outage that new instances, restarts and pool growth will hit.
/// For Npgsql the connection is the data source's own settings (password, certificates) with pooling off and connect
/// and command timeouts of the check timeout; other providers are pinged through their data source.
/// </summary>
internal sealed class DatabaseHealthCheck(DbDataSource dataSource, IOptions<MonitoringOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Health pings are not application queries: bypass the instrumentation.
        var source = dataSource is InstrumentedDbDataSource instrumented ? instrumented.Inner : dataSource;
        try
        {
            await Probe.WithinAsync(PingAsync(source, options.Value.Health.CheckTimeout, cancellationToken), cancellationToken);
            return HealthCheckResult.Healthy("database answers on a new connection");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"database unreachable: {exception.Message}");
        }
    }

    private static async Task PingAsync(DbDataSource source, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = Unpooled(source, timeout);
        if (connection is null)
        {
            await using var pooled = source.CreateCommand("SELECT 1");
            await pooled.ExecuteScalarAsync(cancellationToken);
            return;
        }

        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>A new unpooled Npgsql connection like the data source's, or null for another provider.</summary>
    internal static NpgsqlConnection? Unpooled(DbDataSource source, TimeSpan timeout)
    {
        if (source.CreateConnection() is not NpgsqlConnection template)
        {
            return null;
        }

        using (template)
        {
            // Whole seconds, at least one (0 would mean "wait forever"); the check's token cuts the wait exactly.
            var seconds = (int)Math.Max(1, Math.Ceiling(timeout.TotalSeconds));
            var settings = new NpgsqlConnectionStringBuilder(source.ConnectionString)
            {
                Pooling = false,
                Timeout = seconds,
                CommandTimeout = seconds,
                // A hung server never answers a cancel request; waiting for it would only hold the connection longer.
                CancellationTimeout = -1,
            };

            // The data source's connection string has no password (unless Persist Security Info): CloneWith takes it,
            // and the certificate callbacks, from the data source.
            return template.CloneWith(settings.ConnectionString);
        }
    }
}

/// <summary>cache: a read of a probe key. A cache that is down degrades the service (reads fall back) rather than breaking it.</summary>
internal sealed class CacheHealthCheck(IDistributedCache cache) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var source = cache is InstrumentedDistributedCache instrumented ? instrumented.Inner : cache;
        try
        {
            await Probe.WithinAsync(source.GetAsync("thebot:health:probe", cancellationToken), cancellationToken);
            return HealthCheckResult.Healthy("cache answers");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"cache unreachable, reads fall back to the database: {exception.Message}");
        }
    }
}

/// <summary>Bounds a probe by the check's token even when the client library ignores it.</summary>
internal static class Probe
{
    /// <summary>
    /// Waits for <paramref name="probe"/> until <paramref name="cancellationToken"/> (which carries the check timeout)
    /// fires. Npgsql does not cancel a connection open that is waiting for the server's answer, nor does
    /// StackExchange.Redis a read, so without this a hung dependency would hold the check for the driver's own timeout.
    /// </summary>
    public static async Task WithinAsync(Task probe, CancellationToken cancellationToken)
    {
        try
        {
            await probe.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !probe.IsCompleted)
        {
            // The abandoned probe finishes (or fails) later on its own; observe it so its failure is not reported as unobserved.
            _ = probe.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            throw;
        }
    }
}

/// <summary>disk: free space of the configured path's file system.</summary>
internal sealed class DiskHealthCheck(IOptions<MonitoringOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var thresholds = options.Value.Health;
        var drive = new DriveInfo(thresholds.DiskPath);
        var free = drive.TotalSize == 0 ? 1 : (double)drive.AvailableFreeSpace / drive.TotalSize;
        var data = new Dictionary<string, object> { ["free_bytes"] = drive.AvailableFreeSpace, ["total_bytes"] = drive.TotalSize, ["free_ratio"] = Math.Round(free, 4) };
        var description = $"{free:P1} free on {thresholds.DiskPath}";
        return Task.FromResult(free < thresholds.DiskUnhealthyFreeRatio ? HealthCheckResult.Unhealthy(description, data: data)
            : free < thresholds.DiskDegradedFreeRatio ? HealthCheckResult.Degraded(description, data: data)
            : HealthCheckResult.Healthy(description, data));
    }
}

/// <summary>memory: memory load the GC sees against what is available to the process.</summary>
internal sealed class MemoryHealthCheck(IOptions<MonitoringOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var info = GC.GetGCMemoryInfo();
        var available = info.TotalAvailableMemoryBytes;
        var load = available == 0 ? 0 : (double)info.MemoryLoadBytes / available;
        var data = new Dictionary<string, object> { ["memory_load_bytes"] = info.MemoryLoadBytes, ["available_bytes"] = available, ["gc_heap_bytes"] = GC.GetTotalMemory(false) };
        var description = $"memory load {load:P1}";
        return Task.FromResult(load > options.Value.Health.MemoryDegradedLoadRatio
            ? HealthCheckResult.Degraded(description, data: data)
            : HealthCheckResult.Healthy(description, data));
    }
}

/// <summary>job_queue: workers running and the backlog under its threshold.</summary>
internal sealed class JobQueueHealthCheck(IServiceProvider services, IOptions<MonitoringOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService(typeof(IJobQueueMonitor)) is not IJobQueueMonitor queue)
        {
            return Task.FromResult(HealthCheckResult.Healthy("this service runs no job queue"));
        }

        var data = new Dictionary<string, object> { ["depth"] = queue.Depth };
        return Task.FromResult(!queue.IsRunning ? HealthCheckResult.Unhealthy("job workers are not running", data: data)
            : queue.Depth > options.Value.Health.JobQueueDegradedDepth ? HealthCheckResult.Degraded($"{queue.Depth} jobs waiting", data: data)
            : HealthCheckResult.Healthy($"{queue.Depth} jobs waiting", data));
    }
}
