using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TheBot.Monitoring.Health;

namespace TheBot.Monitoring;

/// <summary>Registration of the Npgsql integration.</summary>
public static class NpgsqlMonitoringExtensions
{
    /// <summary>
    /// Makes the <c>database</c> health check (readiness) open a new unpooled Npgsql connection each time instead of
    /// borrowing a pooled one: a PostgreSQL that accepts no new connection (hung postmaster, no free slot) is then
    /// unready even while the pool's open connections still answer. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddTheBotNpgsqlHealthProbe(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDatabaseProbeConnectionFactory, NpgsqlProbeConnectionFactory>());
        return services;
    }
}
