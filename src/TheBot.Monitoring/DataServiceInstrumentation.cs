using System.Data.Common;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Health;

namespace TheBot.Monitoring;

/// <summary>
/// Wraps the application's <see cref="DbDataSource"/>, <see cref="IDistributedCache"/>, <see cref="IMemoryCache"/> and
/// <see cref="HybridCache"/> registrations in their instrumented decorators, and adds the database and cache health
/// components, in the service collection itself. Doing it on the registrations (rather than in a service provider
/// factory) works with every container that reads the collection (the default one, Autofac, Lamar, …) and leaves the
/// host's choice of factory alone; the price is that it sees only what is registered when it runs, so it is kept in
/// the collection and runs again on every call, and <see cref="Missed"/> tells at start what came too late.
/// </summary>
internal sealed class DataServiceInstrumentation
{
    // The EF Core options type AddDbContext/AddSqlite/AddNpgsql register per context; matched by name so that the
    // library needs no reference to Entity Framework Core.
    private const string DbContextOptionsType = "Microsoft.EntityFrameworkCore.DbContextOptions`1";

    private readonly IServiceCollection _services;
    private readonly HashSet<string> _healthComponents = new(StringComparer.Ordinal);

    private DataServiceInstrumentation(IServiceCollection services) => _services = services;

    /// <summary>The instance kept in <paramref name="services"/>, added on first use.</summary>
    public static DataServiceInstrumentation Of(IServiceCollection services)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(DataServiceInstrumentation))?.ImplementationInstance is DataServiceInstrumentation existing)
        {
            return existing;
        }

        var created = new DataServiceInstrumentation(services);
        services.AddSingleton(created);
        return created;
    }

    /// <summary>Decorates every registration not decorated yet; adds each health component once.</summary>
    public void Instrument()
    {
        var services = _services;
        if (Decorate<DbDataSource>(services, (sp, inner) => inner is InstrumentedDbDataSource ? inner
                : new InstrumentedDbDataSource(inner, sp.GetRequiredService<DbMetrics>(), DatabaseName(inner))))
        {
            services.TryAddTransient<DatabaseHealthCheck>(); // resolved per run, not built by reflection (see AddTheBotMonitoring)
            AddHealthComponent(HealthComponents.Database, health => health.AddCheck<DatabaseHealthCheck>(HealthComponents.Database, tags: [HealthTags.Ready]));
        }
        else if (!services.Any(d => d.ServiceType == typeof(DbDataSource)) && DbContextTypes().FirstOrDefault() is { } context)
        {
            // An EF Core application registers no DbDataSource: its database is the context's.
            AddHealthComponent(HealthComponents.Database, health => health.Add(new HealthCheckRegistration(HealthComponents.Database,
                sp => new DbContextHealthCheck(sp.GetRequiredService<IServiceScopeFactory>(), context), HealthStatus.Unhealthy, [HealthTags.Ready])));
        }

        if (Decorate<IDistributedCache>(services, (sp, inner) => inner is InstrumentedDistributedCache ? inner
                : new InstrumentedDistributedCache(inner,
                    sp.GetRequiredService<CacheMetrics>().For(sp.GetRequiredService<IOptions<MonitoringOptions>>().Value.DistributedCacheName),
                    sp.GetRequiredService<ILogger<InstrumentedDistributedCache>>())))
        {
            // Degraded, never unhealthy, even when the check times out: reads fall back to the database, so a cache
            // outage must not take the instance out of rotation.
            services.TryAddTransient<CacheHealthCheck>();
            AddHealthComponent(HealthComponents.Cache, health => health.AddCheck<CacheHealthCheck>(HealthComponents.Cache, failureStatus: HealthStatus.Degraded, tags: [HealthTags.Ready]));
        }

        Decorate<IMemoryCache>(services, (sp, inner) => inner is InstrumentedMemoryCache ? inner
            : new InstrumentedMemoryCache(inner, sp.GetRequiredService<CacheMetrics>().For("memory")));
        // HybridCache is built on the uninstrumented IMemoryCache: its local tier is part of what "hybrid" counts,
        // and counting it under "memory" too would mix its reads into the application's own memory-cache ratio.
        Decorate<HybridCache>(services, (sp, inner) => inner is InstrumentedHybridCache ? inner
            : new InstrumentedHybridCache(inner, sp.GetRequiredService<CacheMetrics>().For("hybrid")),
            sp => new UninstrumentedMemoryCacheProvider(sp));
    }

    /// <summary>Services registered after the last <see cref="Instrument"/>, which therefore go uncounted (or unchecked).</summary>
    public IReadOnlyList<string> Missed()
    {
        Type[] decorated = [typeof(DbDataSource), typeof(IDistributedCache), typeof(IMemoryCache), typeof(HybridCache)];
        var missed = _services
            .Where(d => !d.IsKeyedService && decorated.Contains(d.ServiceType) && d.ImplementationFactory?.Target is not IDecoration)
            .Select(d => d.ServiceType.Name)
            .Distinct()
            .ToList();
        if (!_healthComponents.Contains(HealthComponents.Database) && DbContextTypes().FirstOrDefault() is { } context)
        {
            missed.Add(context.Name);
        }

        return missed;
    }

    private IEnumerable<Type> DbContextTypes() => _services
        .Select(d => d.ServiceType)
        .Where(t => t.IsGenericType && t.GetGenericTypeDefinition().FullName == DbContextOptionsType)
        .Select(t => t.GetGenericArguments()[0]);

    private void AddHealthComponent(string name, Action<IHealthChecksBuilder> add)
    {
        if (_healthComponents.Add(name))
        {
            add(_services.AddHealthChecks());
        }
    }

    /// <summary>Replaces every (non-keyed) registration of <typeparamref name="T"/> not decorated yet by a wrapper around it.</summary>
    /// <param name="services">The registrations.</param>
    /// <param name="wrap">Builds the wrapper around the original service.</param>
    /// <param name="originalResolvesWith">The provider the original service is built with, when not the container itself.</param>
    /// <returns>Whether a registration was decorated by this call.</returns>
    internal static bool Decorate<T>(IServiceCollection services, Func<IServiceProvider, T, T> wrap, Func<IServiceProvider, IServiceProvider>? originalResolvesWith = null)
        where T : class
    {
        var found = false;
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(T) || descriptor.IsKeyedService || descriptor.ImplementationFactory?.Target is IDecoration)
            {
                continue;
            }

            found = true;
            Func<IServiceProvider, object> original = descriptor switch
            {
                { ImplementationInstance: { } instance } => _ => instance,
                { ImplementationFactory: { } factory } => factory,
                _ => sp => ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!),
            };
            services[i] = new ServiceDescriptor(typeof(T), new Decoration<T>(original, wrap, originalResolvesWith).Create, descriptor.Lifetime);
        }

        return found;
    }

    private static string DatabaseName(DbDataSource dataSource)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = dataSource.ConnectionString };
        return builder.TryGetValue("Database", out var name) && name is string { Length: > 0 } text ? text : "default";
    }

    /// <summary>Marks a registration's factory as ours, so a later pass neither wraps it twice nor reports it missed.</summary>
    private interface IDecoration;

    private sealed class Decoration<T>(Func<IServiceProvider, object> original, Func<IServiceProvider, T, T> wrap, Func<IServiceProvider, IServiceProvider>? originalResolvesWith) : IDecoration
        where T : class
    {
        public object Create(IServiceProvider services) => wrap(services, (T)original(originalResolvesWith?.Invoke(services) ?? services));
    }
}
