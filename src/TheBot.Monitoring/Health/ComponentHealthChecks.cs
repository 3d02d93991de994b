using System.Data.Common;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Data;

namespace TheBot.Monitoring.Health;

/// <summary>
/// database: <c>SELECT 1</c>, on a new physical connection when an <see cref="IDatabaseProbeConnectionFactory"/> knows the
/// data source's provider (TheBot.Monitoring.Npgsql adds Npgsql's), else through the data source. A pooled connection
/// would prove nothing about new connections: a postmaster that hangs (or runs out of connection slots) leaves the
/// pool's open connections working while every new connection waits, which is how a warm pool hides an outage that
/// new instances, restarts and pool growth will hit.
/// </summary>
internal sealed class DatabaseHealthCheck(DbDataSource dataSource, IEnumerable<IDatabaseProbeConnectionFactory> probeConnections, IOptions<MonitoringOptions> options)
    : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Health pings are not application queries: bypass the instrumentation.
        var source = dataSource is InstrumentedDbDataSource instrumented ? instrumented.Inner : dataSource;
        try
        {
            var unpooled = await Probe.WithinAsync(PingAsync(source, options.Value.Health.CheckTimeout, cancellationToken), cancellationToken);
            return HealthCheckResult.Healthy(unpooled ? "database answers on a new connection" : "database answers through the data source's pool");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"database unreachable: {exception.Message}");
        }
    }

    /// <summary>Pings the database; true when it did so on a new physical connection.</summary>
    private async Task<bool> PingAsync(DbDataSource source, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = probeConnections.Select(factory => factory.CreateUnpooled(source, timeout)).FirstOrDefault(c => c is not null);
        if (connection is null)
        {
            await using var pooled = source.CreateCommand("SELECT 1");
            await pooled.ExecuteScalarAsync(cancellationToken);
            return false;
        }

        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(cancellationToken);
        return true;
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
    public static async Task<T> WithinAsync<T>(Task<T> probe, CancellationToken cancellationToken)
    {
        await WithinAsync((Task)probe, cancellationToken);
        return await probe;
    }

    /// <inheritdoc cref="WithinAsync{T}(Task{T}, CancellationToken)"/>
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
        var description = $"{Percent.Of(free)} free on {thresholds.DiskPath}";
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
        var description = $"memory load {Percent.Of(load)}";
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

/// <summary>A ratio as a percentage with one decimal, the same in every culture.</summary>
internal static class Percent
{
    /// <summary>
    /// 0.1234 → "12.3%". Integer arithmetic, not the "P1" format: that one follows the current culture ("12,3 %" in
    /// de-DE) and formats a double, code the background probe would run (and the JIT compile) on every tick.
    /// </summary>
    public static string Of(double ratio)
    {
        var tenths = (long)Math.Round(Math.Clamp(ratio, 0, 1) * 1000, MidpointRounding.AwayFromZero);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{tenths / 10}.{tenths % 10}%");
    }
}
