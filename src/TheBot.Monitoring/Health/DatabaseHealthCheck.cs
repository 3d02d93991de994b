using System.Data.Common;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
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
