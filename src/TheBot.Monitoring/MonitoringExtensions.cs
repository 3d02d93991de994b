using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Business;
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Diagnostics;
using TheBot.Monitoring.Health;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.SystemEndpoints;

namespace TheBot.Monitoring;

/// <summary>The two lines a service adds: <c>builder.AddTheBotMonitoring()</c> and <c>app.MapTheBotMonitoring()</c>.</summary>
public static class MonitoringExtensions
{
    /// <summary>
    /// Registers metrics, HTTP instrumentation, health checks and the system endpoints' services, with options from
    /// the <c>Monitoring</c> section. When the container is built it also instruments, wherever the service registered
    /// them (before or after this call), its <see cref="DbDataSource"/>, <see cref="IDistributedCache"/>,
    /// <see cref="IMemoryCache"/> and <see cref="HybridCache"/>, and adds the database and cache health components.
    /// </summary>
    /// <remarks>
    /// That last step runs through the host's service provider factory: this call installs the default one (via
    /// <c>ConfigureContainer</c>). A host has only one factory, so a later <c>ConfigureContainer</c> for another
    /// container (Autofac, Lamar, …) replaces it, and an earlier one is replaced by it. With another container, call
    /// <see cref="InstrumentTheBotDataServices"/> after the last registration (before the container is populated);
    /// if neither ran, the service logs a warning at start and its data services are not instrumented.
    /// </remarks>
    public static IHostApplicationBuilder AddTheBotMonitoring(this IHostApplicationBuilder builder, Action<MonitoringOptions>? configure = null)
    {
        var services = builder.Services;
        var optionsBuilder = services.AddOptions<MonitoringOptions>().BindConfiguration(MonitoringOptions.SectionName);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        // PeriodicTimer needs at least a millisecond; a zero or negative interval is a typo, not "as fast as possible".
        optionsBuilder
            .Validate(options => options.Health.ProbeInterval >= TimeSpan.FromMilliseconds(1), "Monitoring:Health:ProbeInterval must be greater than zero (at least 1 ms).")
            .Validate(options => options.Health.CheckTimeout > TimeSpan.Zero, "Monitoring:Health:CheckTimeout must be greater than zero.")
            .ValidateOnStart();
        optionsBuilder.PostConfigure(options =>
        {
            options.ServiceName ??= builder.Environment.ApplicationName;
            options.Version ??= Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            options.ResolvedScrapeToken = Secret(options.ScrapeToken, options.ScrapeTokenFile, "ScrapeTokenFile");
            options.ResolvedAdminToken = Secret(options.AdminToken, options.AdminTokenFile, "AdminTokenFile");
        });

        services.TryAddSingleton(sp => new MetricRegistry(sp.GetRequiredService<IOptions<MonitoringOptions>>().Value.MaxSeriesPerMetric));
        services.TryAddSingleton(sp => new HttpMetrics(sp.GetRequiredService<MetricRegistry>(), sp.GetRequiredService<IOptions<MonitoringOptions>>().Value.HttpDurationBuckets));
        services.TryAddSingleton<EndpointSeriesCache>();
        services.TryAddSingleton<SqlClassifier>();
        services.TryAddSingleton<DbMetrics>();
        services.TryAddSingleton<CacheMetrics>();
        services.TryAddSingleton<PlatformMetrics>();
        services.AddMetrics().TryAddSingleton<TheBotMeter>(); // every family on the meter TheBot.Monitoring too
        services.TryAddSingleton<ExpositionEndpoint>();
        services.TryAddSingleton<SystemSnapshot>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MonitoringOptions>>().Value;
            return new ServiceIdentity(options.ServiceName!, options.Version!);
        });
        services.TryAddSingleton(sp => new MeterBridge(
            BridgeFilter(sp.GetRequiredService<IOptions<MonitoringOptions>>().Value),
            sp.GetService<IMeterFactory>(), sp.GetRequiredService<IOptions<MonitoringOptions>>().Value.MaxSeriesPerMetric));
        services.AddSingleton<MetricsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricsSampler>());
        services.AddHostedService<MonitoringStartup>();
        services.AddTransient<IStartupFilter, HttpMetricsStartupFilter>();
        services.AddProblemDetails();

        // Readiness: what the service needs to serve (a full disk cannot be cured by a restart).
        // Liveness: only the process's own state, never a dependency (SPEC §4); memory can only degrade, so it
        // reports without ever failing liveness, and stopped job workers are what a restart does cure.
        services.AddHealthChecks()
            .AddCheck<DiskHealthCheck>(HealthComponents.Disk, tags: [HealthTags.Ready])
            .AddCheck<MemoryHealthCheck>(HealthComponents.Memory, tags: [HealthTags.Live])
            .AddCheck<JobQueueHealthCheck>(HealthComponents.JobQueue, tags: [HealthTags.Live]);
        // Every endpoint (and anyone else asking HealthCheckService) answers from the background probe's results, with
        // one check per component at a time; the framework's service stays the one that runs each check.
        Decorate<HealthCheckService>(services, (sp, runner) => runner is HealthProbe ? runner : new HealthProbe(runner,
            sp.GetRequiredService<IOptions<HealthCheckServiceOptions>>(), sp.GetRequiredService<IOptions<MonitoringOptions>>(), sp.GetRequiredService<MetricRegistry>()));
        services.AddHostedService(sp => new HealthProbeService((HealthProbe)sp.GetRequiredService<HealthCheckService>(), sp.GetRequiredService<IOptions<MonitoringOptions>>()));
        // The timeout is read from the bound options, so Monitoring:Health:CheckTimeout applies to every component.
        services.AddOptions<HealthCheckServiceOptions>().PostConfigure<IOptions<MonitoringOptions>>((health, monitoring) =>
        {
            foreach (var registration in health.Registrations.Where(r => HealthComponents.All.Contains(r.Name)))
            {
                registration.Timeout = monitoring.Value.Health.CheckTimeout;
            }
        });

        // Decorate at container build time, so that registrations made after this call are instrumented too.
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions
        {
            ValidateScopes = builder.Environment.IsDevelopment(),
            ValidateOnBuild = builder.Environment.IsDevelopment(),
        }), collection => collection.InstrumentTheBotDataServices());
        return builder;
    }

    /// <summary>Maps the system endpoints of SPEC §4 (exposition, health, readiness, liveness, system JSON, analytics, scrape config).</summary>
    public static IEndpointRouteBuilder MapTheBotMonitoring(this IEndpointRouteBuilder endpoints) => endpoints.MapSystemApi();

    /// <summary>
    /// Instruments the registered <see cref="DbDataSource"/>, <see cref="IDistributedCache"/>, <see cref="IMemoryCache"/>
    /// and <see cref="HybridCache"/> and adds the database and cache health components, now. Needed only when the
    /// service uses another container than the default one (see <see cref="AddTheBotMonitoring"/>); call it after the
    /// last registration of those services. Calling it more than once changes nothing.
    /// </summary>
    public static IServiceCollection InstrumentTheBotDataServices(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(DataServicesInstrumented)))
        {
            return services;
        }

        services.AddSingleton<DataServicesInstrumented>();
        InstrumentDataServices(services);
        return services;
    }

    private static void InstrumentDataServices(IServiceCollection services)
    {
        var health = services.AddHealthChecks();
        if (Decorate<DbDataSource>(services, (sp, inner) => inner is InstrumentedDbDataSource ? inner
                : new InstrumentedDbDataSource(inner, sp.GetRequiredService<DbMetrics>(), DatabaseName(inner))))
        {
            health.AddCheck<DatabaseHealthCheck>(HealthComponents.Database, tags: [HealthTags.Ready]);
        }

        if (Decorate<IDistributedCache>(services, (sp, inner) => inner is InstrumentedDistributedCache ? inner
                : new InstrumentedDistributedCache(inner,
                    sp.GetRequiredService<CacheMetrics>().For(sp.GetRequiredService<IOptions<MonitoringOptions>>().Value.DistributedCacheName),
                    sp.GetRequiredService<ILogger<InstrumentedDistributedCache>>())))
        {
            // Degraded, never unhealthy, even when the check times out: reads fall back to the database, so a cache
            // outage must not take the instance out of rotation.
            health.AddCheck<CacheHealthCheck>(HealthComponents.Cache, failureStatus: HealthStatus.Degraded, tags: [HealthTags.Ready]);
        }

        Decorate<IMemoryCache>(services, (sp, inner) => inner is InstrumentedMemoryCache ? inner
            : new InstrumentedMemoryCache(inner, sp.GetRequiredService<CacheMetrics>().For("memory")));
        // HybridCache is built on the uninstrumented IMemoryCache: its local tier is part of what "hybrid" counts,
        // and counting it under "memory" too would mix its reads into the application's own memory-cache ratio.
        Decorate<HybridCache>(services, (sp, inner) => inner is InstrumentedHybridCache ? inner
            : new InstrumentedHybridCache(inner, sp.GetRequiredService<CacheMetrics>().For("hybrid")),
            sp => new UninstrumentedMemoryCacheProvider(sp));
    }

    /// <summary>Replaces every (non-keyed) registration of <typeparamref name="T"/> by a wrapper around it.</summary>
    /// <param name="services">The registrations.</param>
    /// <param name="wrap">Builds the wrapper around the original service.</param>
    /// <param name="originalResolvesWith">The provider the original service is built with, when not the container itself.</param>
    private static bool Decorate<T>(IServiceCollection services, Func<IServiceProvider, T, T> wrap, Func<IServiceProvider, IServiceProvider>? originalResolvesWith = null)
        where T : class
    {
        var found = false;
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(T) || descriptor.IsKeyedService)
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
            services[i] = new ServiceDescriptor(typeof(T), sp => wrap(sp, (T)original(originalResolvesWith?.Invoke(sp) ?? sp)), descriptor.Lifetime);
        }

        return found;
    }

    private static string DatabaseName(DbDataSource dataSource)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = dataSource.ConnectionString };
        return builder.TryGetValue("Database", out var name) && name is string { Length: > 0 } text ? text : "default";
    }

    /// <summary>Which instruments the bridge takes: the configured meters, minus what our own metrics already measure.</summary>
    internal static Func<Instrument, bool> BridgeFilter(MonitoringOptions options) => instrument =>
        options.BridgedMeters.Contains(instrument.Meter.Name)
        && !(instrument.Meter.Name == "Npgsql" && instrument.Name.StartsWith("db.client.operation", StringComparison.Ordinal))
        && !(instrument.Meter.Name == "Npgsql" && instrument.Name.StartsWith("db.client.commands", StringComparison.Ordinal));

    private static string? Secret(string? value, string? file, string setting)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value.Trim();
        }

        if (string.IsNullOrWhiteSpace(file))
        {
            return null;
        }

        if (!File.Exists(file))
        {
            throw new OptionsValidationException(MonitoringOptions.SectionName, typeof(MonitoringOptions),
                [$"Monitoring:{setting} points to '{file}', which does not exist."]);
        }

        var token = File.ReadLines(file).FirstOrDefault()?.Trim();
        return string.IsNullOrEmpty(token)
            ? throw new OptionsValidationException(MonitoringOptions.SectionName, typeof(MonitoringOptions), [$"Monitoring:{setting} '{file}' is empty."])
            : token;
    }
}

/// <summary>Registered once the data services are instrumented, so that it happens once and its absence can be told.</summary>
internal sealed class DataServicesInstrumented;

/// <summary>The container, except that IMemoryCache is the application's cache without our instrumentation.</summary>
internal sealed class UninstrumentedMemoryCacheProvider(IServiceProvider container) : IServiceProvider
{
    public object? GetService(Type serviceType) =>
        serviceType == typeof(IMemoryCache) ? container.GetService(serviceType) is InstrumentedMemoryCache instrumented ? instrumented.Inner : container.GetService(serviceType)
        : serviceType == typeof(IServiceProvider) ? this
        : container.GetService(serviceType);
}

/// <summary>Puts the HTTP metrics middleware first, so it measures everything the rest of the pipeline does.</summary>
internal sealed class HttpMetricsStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<HttpMetricsMiddleware>();
        next(app);
    };
}

/// <summary>At start: resolves the options (so a bad token file fails start-up, not the first scrape), starts the bridge, publishes build info.</summary>
internal sealed class MonitoringStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var identity = services.GetRequiredService<ServiceIdentity>();
        var registry = services.GetRequiredService<MetricRegistry>();
        registry.Gauge("thebot_build_info", "Always 1; labels carry the service name and version.", "service", "version")
            .WithLabels(identity.Name, identity.Version).Set(1);
        registry.AddSource(services.GetRequiredService<MeterBridge>());
        services.GetRequiredService<TheBotMeter>();
        if (services.GetService<DataServicesInstrumented>() is null)
        {
            services.GetRequiredService<ILogger<MonitoringStartup>>().LogWarning(
                "Database and cache instrumentation did not run: another ConfigureContainer call replaced the service provider " +
                "factory AddTheBotMonitoring installed. Call services.InstrumentTheBotDataServices() after the last registration.");
        }

        // Families exist from the start (at zero), so rate() and absent() see them before the first event.
        services.GetRequiredService<HttpMetrics>();
        services.GetRequiredService<DbMetrics>();
        services.GetRequiredService<CacheMetrics>();
        services.GetRequiredService<PlatformMetrics>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
