namespace TheBot.Api.Jobs;

/// <summary>
/// Runs one kind of job. Each feature registers the handlers of its own jobs (<see cref="JobsExtensions.AddJobHandler{TJob, THandler}"/>),
/// so the queue and its workers know no feature: features depend on the queue, never the other way round.
/// </summary>
public interface IJobHandler
{
    /// <summary>The <see cref="JobRequest"/> type this handler runs.</summary>
    Type JobType { get; }

    /// <summary>Runs <paramref name="job"/>, which is of <see cref="JobType"/>; an exception is the job's failure.</summary>
    Task HandleAsync(JobRequest job, CancellationToken cancellationToken);
}
