using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TheBot.Api.Data;

/// <summary>schema (ready-tagged): healthy once the migrations are applied.</summary>
public sealed class SchemaHealthCheck(SchemaState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.Version is { } version
            ? HealthCheckResult.Healthy($"schema applied up to {version}")
            : HealthCheckResult.Unhealthy($"schema not applied yet{(state.LastError is { } error ? ": " + error : string.Empty)}"));
}
