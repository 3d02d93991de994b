using TheBot.Monitoring.Health;

namespace TheBot.Api.Jobs;

public static class JobsExtensions
{
    public static IHostApplicationBuilder AddBackgroundJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JobOptions>().BindConfiguration(JobOptions.SectionName);
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddSingleton<IJobQueueMonitor>(sp => sp.GetRequiredService<JobQueue>());
        builder.Services.AddHostedService<JobWorkers>();
        return builder;
    }

    /// <summary>Registers <typeparamref name="THandler"/> as the one handler of <typeparamref name="TJob"/>.</summary>
    public static IServiceCollection AddJobHandler<TJob, THandler>(this IServiceCollection services)
        where TJob : JobRequest
        where THandler : JobHandler<TJob>
    {
        services.AddSingleton<IJobHandler, THandler>();
        return services;
    }
}
