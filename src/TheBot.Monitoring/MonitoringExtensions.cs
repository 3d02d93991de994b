using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
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
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Diagnostics;
using TheBot.Monitoring.Health;
using TheBot.Monitoring.Http;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.SystemEndpoints;
using TheBot.Monitoring.Workload;

namespace TheBot.Monitoring;

/// <summary>The two lines a service adds: <c>builder.AddTheBotMonitoring()</c> and <c>app.MapTheBotMonitoring()</c>.</summary>
public static class MonitoringExtensions
{
    /// <summary>
    /// Registers metrics, HTTP instrumentation, health checks and the system endpoints' services, with options from
    /// the <c>Monitoring</c> section (validated when the host starts). It also instruments the <see cref="DbDataSource"/>,
    /// <see cref="IDistributedCache"/>, <see cref="IMemoryCache"/> and <see cref="HybridCache"/> registered so far, and
    /// adds the database and cache health components (for an EF Core application without a data source, the database
    /// component checks its <c>DbContext</c>).
    /// </summary>
    /// <remarks>
    /// The decoration happens on the registrations themselves, so it works with any container (the default one,
    /// Autofac, Lamar, …) and leaves the host's service provider factory alone. Register data sources and caches
    /// before this call, or call <see cref="InstrumentTheBotDataServices"/> after the last of them; what neither saw
    /// is named in a warning at start. Nothing global is added that changes the application's own responses: the
    /// system endpoints write their problem details themselves, and <c>AddProblemDetails</c> stays the host's choice.
    /// </remarks>
    public static IHostApplicationBuilder AddTheBotMonitoring(this IHostApplicationBuilder builder, Action<MonitoringOptions>? configure = null)
    {
        var services = builder.Services;
        var optionsBuilder = services.AddOptions<MonitoringOptions>().BindConfiguration(MonitoringOptions.SectionName);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MonitoringOptions>, MonitoringOptionsValidator>());
        // Asked by routing only when an endpoint carries a management port (Monitoring:ManagementPort).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ManagementPortMatcherPolicy>());
        optionsBuilder.ValidateOnStart();
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
        services.TryAddSingleton<WorkloadMetrics>();
        services.TryAddSingleton<ApplicationFamilies>();
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
        services.AddHostedService<ManagementPortListenerCheck>();
        services.AddTransient<IStartupFilter, HttpMetricsStartupFilter>();
        services.TryAddSingleton<DeveloperExceptionPageObserver>();

        // Every component check is registered (transient: a new one per run, its dependencies from the run's scope, as
        // before): AddCheck<T> builds a check it cannot resolve through ActivatorUtilities, reflection the background
        // probe would repeat for each component on every tick. The database and cache checks likewise, where
        // DataServiceInstrumentation adds them.
        services.TryAddTransient<DiskHealthCheck>();
        services.TryAddTransient<MemoryHealthCheck>();
        services.TryAddTransient<JobQueueHealthCheck>();

        // Readiness: what the service needs to serve (a full disk cannot be cured by a restart).
        // Liveness: only the process's own state, never a dependency (contract §4); memory can only degrade, so it
        // reports without ever failing liveness, and stopped job workers are what a restart does cure.
        services.AddHealthChecks()
            .AddCheck<DiskHealthCheck>(HealthComponents.Disk, tags: [HealthTags.Ready])
            .AddCheck<MemoryHealthCheck>(HealthComponents.Memory, tags: [HealthTags.Live])
            .AddCheck<JobQueueHealthCheck>(HealthComponents.JobQueue, tags: [HealthTags.Live]);
        // Every endpoint (and anyone else asking HealthCheckService) answers from the background probe's results, with
        // one check per component at a time; the framework's service stays the one that runs each check.
        DataServiceInstrumentation.Decorate<HealthCheckService>(services, (sp, runner) => runner is HealthProbe ? runner : new HealthProbe(runner,
            sp.GetRequiredService<IOptions<HealthCheckServiceOptions>>(), sp.GetRequiredService<IOptions<MonitoringOptions>>(), sp.GetRequiredService<MetricRegistry>(),
            sp.GetRequiredService<ILogger<HealthProbe>>()));
        services.AddHostedService(sp => new HealthProbeService((HealthProbe)sp.GetRequiredService<HealthCheckService>(), sp.GetRequiredService<IOptions<MonitoringOptions>>()));
        // The timeout is read from the bound options, so Monitoring:Health:CheckTimeout applies to every component.
        services.AddOptions<HealthCheckServiceOptions>().PostConfigure<IOptions<MonitoringOptions>>((health, monitoring) =>
        {
            foreach (var registration in health.Registrations.Where(r => HealthComponents.All.Contains(r.Name)))
            {
                registration.Timeout = monitoring.Value.Health.CheckTimeout;
            }
        });

        // On the registrations, now: whatever the container, nothing else is needed for what was registered before.
        services.InstrumentTheBotDataServices();
        return builder;
    }

    /// <summary>Maps the system endpoints of contract §4 (exposition, health, readiness, liveness, system JSON, analytics, scrape config).</summary>
    /// <returns>
    /// The group holding them, for the host's own conventions: <c>app.MapTheBotMonitoring().RequireHost("*:9090")</c>.
    /// The endpoints are <c>AllowAnonymous</c> (health, readiness and liveness are for anyone; the others check their
    /// own bearer tokens), so an authorization fallback policy does not lock out probes and scrapes, and they are
    /// excluded from the host's OpenAPI description.
    /// </returns>
    public static RouteGroupBuilder MapTheBotMonitoring(this IEndpointRouteBuilder endpoints) => endpoints.MapSystemApi();

    /// <summary>
    /// Registers the application's own metric families: <typeparamref name="TMetrics"/> is a class whose constructor
    /// creates them in the <see cref="MetricRegistry"/> (it takes the registry, and anything else it needs, from the
    /// container), used as a singleton. It is created when the host starts at the latest, so its families are exposed
    /// (HELP, TYPE, and the series it creates, at zero) from the first scrape; they are published on the meter
    /// <c>TheBot.Monitoring</c> like the library's own, and its counters are the <c>business_since_start</c> totals of
    /// <c>/api/system/analytics/</c>. The library itself adds no business family: this is how an application (THE_BOT's
    /// platform, for messages, assignments and payments) brings its own. Needs <c>AddTheBotMonitoring()</c>, before
    /// or after; registering the same class twice adds it once.
    /// </summary>
    public static IServiceCollection AddTheBotMetrics<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TMetrics>(this IServiceCollection services)
        where TMetrics : class
    {
        if (services.Any(d => d.ServiceType == typeof(ApplicationMetricsType) && d.ImplementationInstance is ApplicationMetricsType { Type: var t } && t == typeof(TMetrics)))
        {
            return services;
        }

        services.AddSingleton(new ApplicationMetricsType(typeof(TMetrics)));
        services.TryAddSingleton(sp => sp.GetRequiredService<ApplicationFamilies>().Create<TMetrics>(sp));
        return services;
    }

    /// <summary>
    /// Instruments the <see cref="DbDataSource"/>, <see cref="IDistributedCache"/>, <see cref="IMemoryCache"/> and
    /// <see cref="HybridCache"/> registered since <see cref="AddTheBotMonitoring"/> (or the last call of this method), and
    /// adds the database and cache health components if they are not there yet. Call it after the last registration
    /// of those services when they come after <c>AddTheBotMonitoring()</c>. A registration is never wrapped twice.
    /// </summary>
    public static IServiceCollection InstrumentTheBotDataServices(this IServiceCollection services)
    {
        DataServiceInstrumentation.Of(services).Instrument();
        return services;
    }

    /// <summary>
    /// Which instruments the bridge takes: the configured meters, minus what our own metrics already measure (hosting's
    /// request duration and active requests are <c>thebot_http_request_duration_seconds</c> and
    /// <c>thebot_http_requests_in_flight</c>; Npgsql's per-command timings are <c>thebot_db_*</c>), even when a host
    /// lists their meters.
    /// </summary>
    internal static Func<Instrument, bool> BridgeFilter(MonitoringOptions options) => instrument =>
        options.BridgedMeters.Contains(instrument.Meter.Name)
        && !(instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name is "http.server.request.duration" or "http.server.active_requests")
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

        if (Directory.Exists(file))
        {
            throw SecretFileProblem($"Monitoring:{setting} points to '{file}', which is a folder, not a file: name the file holding the token.");
        }

        if (!File.Exists(file))
        {
            throw SecretFileProblem($"Monitoring:{setting} points to '{file}', which does not exist.");
        }

        string? token;
        try
        {
            token = FirstLine(file, setting);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Permissions of a mounted secret, a file that vanished in between: the key says where to look.
            throw SecretFileProblem($"Monitoring:{setting} '{file}' cannot be read: {exception.Message}");
        }

        return string.IsNullOrEmpty(token) ? throw SecretFileProblem($"Monitoring:{setting} '{file}' is empty.") : token;
    }

    /// <summary>A token is a line, not a stream: at most <see cref="TokenFileReadLimit"/> bytes are read.</summary>
    private const int TokenFileReadLimit = 4096;

    /// <summary>
    /// The first line of a token file, read within <see cref="TokenFileReadLimit"/> bytes: a setting pointed at a
    /// device or a pipe that never ends a line (<c>/dev/zero</c>, <c>/dev/urandom</c>) fails start-up naming the key
    /// instead of hanging it while a line is read.
    /// </summary>
    private static string? FirstLine(string file, string setting)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        var buffer = new byte[TokenFileReadLimit];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', length, read);
            length += read;
            if (newline >= 0)
            {
                length = newline;
                return System.Text.Encoding.UTF8.GetString(buffer, 0, length).Trim();
            }
        }

        return length == buffer.Length
            ? throw SecretFileProblem($"Monitoring:{setting} '{file}' holds no line within its first {TokenFileReadLimit} bytes: a token is one short line.")
            : System.Text.Encoding.UTF8.GetString(buffer, 0, length).Trim();
    }

    private static OptionsValidationException SecretFileProblem(string message) =>
        new(MonitoringOptions.SectionName, typeof(MonitoringOptions), [message]);
}
