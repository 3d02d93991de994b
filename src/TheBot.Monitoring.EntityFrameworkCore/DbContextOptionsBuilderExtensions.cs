using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Data;

namespace TheBot.Monitoring.EntityFrameworkCore;

/// <summary>Adds the library's database metrics to an Entity Framework Core context.</summary>
public static class DbContextOptionsBuilderExtensions
{
    // One interceptor per metrics instance (one per application), however many contexts are configured.
    private static readonly ConditionalWeakTable<DbMetrics, DbMetricsInterceptor> Interceptors = new();

    /// <summary>
    /// Counts and times every command the context executes in <c>thebot_db_*</c>, labelled database, operation and
    /// table like the commands of the wrapped <see cref="System.Data.Common.DbDataSource"/>. Call it inside
    /// <c>AddDbContext((serviceProvider, options) =&gt; options.UseNpgsql(...).AddTheBotMonitoring(serviceProvider))</c>,
    /// in a service that called <c>builder.AddTheBotMonitoring()</c>.
    /// </summary>
    /// <param name="options">The context's options.</param>
    /// <param name="services">The application's service provider (the one passed to the <c>AddDbContext</c> callback).</param>
    /// <exception cref="InvalidOperationException">The service did not call <c>builder.AddTheBotMonitoring()</c>.</exception>
    public static DbContextOptionsBuilder AddTheBotMonitoring(this DbContextOptionsBuilder options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var metrics = services.GetService<DbMetrics>() ?? throw new InvalidOperationException(
            "AddTheBotMonitoring on a DbContext needs the library's services: call builder.AddTheBotMonitoring() on the application builder first.");
        return options.AddInterceptors(Interceptors.GetValue(metrics, static m => new DbMetricsInterceptor(m)));
    }

    /// <inheritdoc cref="AddTheBotMonitoring(DbContextOptionsBuilder, IServiceProvider)"/>
    public static DbContextOptionsBuilder<TContext> AddTheBotMonitoring<TContext>(this DbContextOptionsBuilder<TContext> options, IServiceProvider services)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)AddTheBotMonitoring((DbContextOptionsBuilder)options, services);
}
