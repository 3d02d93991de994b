using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TheBot.Monitoring.Http;

/// <summary>
/// Puts the HTTP metrics middleware first, so it measures everything the rest of the pipeline does; in Development,
/// also counts what the developer exception page (which then sits inside it) answers with a 500.
/// </summary>
internal sealed class HttpMetricsStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var services = app.ApplicationServices;
        if (services.GetService<IHostEnvironment>()?.IsDevelopment() == true && services.GetService<DiagnosticListener>() is { } listener)
        {
            services.GetRequiredService<DeveloperExceptionPageObserver>().Observe(listener);
        }

        app.UseMiddleware<HttpMetricsMiddleware>();
        next(app);
    };
}
