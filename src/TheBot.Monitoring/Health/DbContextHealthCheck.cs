using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TheBot.Monitoring.Health;

/// <summary>
/// database, for an Entity Framework Core application that registers no <see cref="System.Data.Common.DbDataSource"/>:
/// <c>DbContext.Database.CanConnectAsync</c> on a fresh context (EF Core's own "can this context reach its database"
/// test; for SQLite, whether the database file is there). Reached by reflection so that the library does not depend on
/// Entity Framework Core; the context comes from its own scope, as a request would get it.
/// </summary>
internal sealed class DbContextHealthCheck(IServiceScopeFactory scopes, Type contextType) : IHealthCheck
{
    private const string EntityFrameworkCore = "Microsoft.EntityFrameworkCore";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Set inside this async method, the mark ends with it: the probe's caller is not affected.
        HealthProbeScope.Enter();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var dbContext = scope.ServiceProvider.GetRequiredService(contextType);
            var probe = CanConnectAsync(dbContext, cancellationToken);
            await Probe.WithinAsync(probe, cancellationToken);
            return await probe
                ? HealthCheckResult.Healthy($"{contextType.Name} can connect to its database")
                : HealthCheckResult.Unhealthy($"{contextType.Name} cannot connect to its database");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var cause = exception is TargetInvocationException { InnerException: { } inner } ? inner : exception;
            return HealthCheckResult.Unhealthy($"database unreachable: {cause.Message}");
        }
    }

    /// <summary><c>dbContext.Database.CanConnectAsync(cancellationToken)</c>, read by name.</summary>
    /// <remarks>
    /// The two members are kept by the trimmer whenever the app has Entity Framework Core (DynamicDependency names them
    /// by their assembly, so the library still does not reference it): reading them by name works in trimmed and Native
    /// AOT apps too. Invoking a kept, non-generic method needs no generated code.
    /// </remarks>
    [DynamicDependency("Database", "Microsoft.EntityFrameworkCore.DbContext", EntityFrameworkCore)]
    [DynamicDependency("CanConnectAsync(System.Threading.CancellationToken)", "Microsoft.EntityFrameworkCore.Infrastructure.DatabaseFacade", EntityFrameworkCore)]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Both members are kept by the DynamicDependency attributes above.")]
    [UnconditionalSuppressMessage("Trimming", "IL2035", Justification = "EF Core is optional: an app without it has no DbContext to probe and nothing to keep.")]
    private Task<bool> CanConnectAsync(object dbContext, CancellationToken cancellationToken)
    {
        var database = dbContext.GetType().GetProperty("Database", BindingFlags.Public | BindingFlags.Instance)?.GetValue(dbContext)
            ?? throw new InvalidOperationException($"{contextType.Name} has no Database facade.");
        var canConnect = database.GetType().GetMethod("CanConnectAsync", [typeof(CancellationToken)])
            ?? throw new InvalidOperationException($"{contextType.Name}.Database has no CanConnectAsync.");
        return (Task<bool>)canConnect.Invoke(database, [cancellationToken])!;
    }
}
