namespace TheBot.Api.Jobs;

/// <summary>A handler of <typeparamref name="TJob"/>: the typed side of <see cref="IJobHandler"/>.</summary>
public abstract class JobHandler<TJob> : IJobHandler
    where TJob : JobRequest
{
    public Type JobType => typeof(TJob);

    public Task HandleAsync(JobRequest job, CancellationToken cancellationToken) => HandleAsync((TJob)job, cancellationToken);

    protected abstract Task HandleAsync(TJob job, CancellationToken cancellationToken);
}
