using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>The system endpoints' admin-token check, for an application's own operator endpoints.</summary>
public static class AdminTokenEndpoints
{
    /// <summary>
    /// Only callers with <c>Authorization: Bearer</c> and the service's admin token (<see cref="MonitoringOptions.AdminToken"/>
    /// or its file) reach the endpoint; 401 without a token, 403 with a wrong one or when none is configured.
    /// </summary>
    public static TBuilder RequireAdminToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory(static (factory, next) =>
        {
            var options = factory.ApplicationServices.GetRequiredService<IOptions<MonitoringOptions>>();
            var admin = new TokenAuthorization(Audience.Admin, () => options.Value.ResolvedAdminToken);
            return context => admin.InvokeAsync(context, next);
        });
}
