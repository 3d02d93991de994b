using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace TheBot.Hosting;

/// <summary>Registration of the JSON logs.</summary>
public static class JsonLoggingExtensions
{
    /// <summary>
    /// Replaces the default console output by JSON lines and, when <c>Logging:File:Path</c> is set, also writes them
    /// to a size-rotated file in that folder.
    /// </summary>
    public static WebApplicationBuilder AddJsonLogging(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var identity = new LogIdentity(
            configuration["Monitoring:ServiceName"] ?? builder.Environment.ApplicationName,
            configuration["Monitoring:JobName"] ?? builder.Environment.ApplicationName);
        builder.Services.TryAddSingleton(identity);

        var logging = builder.Logging;
        logging.ClearProviders();
        logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        logging.AddConsole(options => options.FormatterName = JsonLineConsoleFormatter.Name);
        logging.AddConsoleFormatter<JsonLineConsoleFormatter, ConsoleFormatterOptions>();

        builder.Services.AddOptions<RollingFileOptions>().BindConfiguration(RollingFileOptions.SectionName).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RollingFileOptions>, RollingFileOptionsValidator>());
        if (!string.IsNullOrWhiteSpace(configuration[$"{RollingFileOptions.SectionName}:Path"]))
        {
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, RollingFileLoggerProvider>());
        }

        return builder;
    }
}
