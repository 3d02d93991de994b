using Microsoft.Extensions.DependencyInjection.Extensions;
using TheBot.Api.Chat;
using TheBot.Api.Data;
using TheBot.Api.Jobs;

namespace TheBot.Api.Domain;

public static class DomainExtensions
{
    /// <summary>Users, courses, assignments and chat (with the handlers of their jobs), and the handler that answers database failures with 503.</summary>
    public static IHostApplicationBuilder AddPlatformDomain(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ChatOptions>().BindConfiguration(ChatOptions.SectionName);
        services.AddSingleton<UserStore>();
        services.AddSingleton<CourseStore>();
        services.AddSingleton<AssignmentService>();
        services.AddJobHandler<GradeSubmission, GradeSubmissionHandler>();
        services.AddJobHandler<SendNotification, SendNotificationHandler>();
        services.AddSingleton<ChatHub>();
        services.AddSingleton<ChatService>();
        services.AddSingleton<ChatSocket>();
        services.AddExceptionHandler<DatabaseExceptionHandler>();
        services.Configure<WebSocketOptions>(options =>
        {
            options.KeepAliveInterval = TimeSpan.FromSeconds(15);
            options.KeepAliveTimeout = TimeSpan.FromSeconds(30);
        });
        return builder;
    }
}
