using Microsoft.AspNetCore.Http.HttpResults;
using TheBot.Api.Domain;
using TheBot.Api.Jobs;

namespace TheBot.Api.Apis;

public sealed record EnqueueNotificationRequest(long? UserId, string? Text);

/// <summary>The queue: <paramref name="Depth"/> jobs ready, <paramref name="InFlight"/> running, <paramref name="Delayed"/> waiting to retry.</summary>
public sealed record JobQueueStatus(string Queue, long Depth, long InFlight, long Delayed, int Workers, bool Running);

public sealed record EnqueuedJob(long JobId, string TaskName);

public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Jobs");
        api.MapGet("/jobs", (JobQueue queue) => TypedResults.Ok(new JobQueueStatus(JobQueue.QueueName, queue.Depth, queue.InFlight, queue.Delayed, queue.Workers, queue.IsRunning)));
        api.MapPost("/jobs/notifications", EnqueueNotification);
        return app;
    }

    /// <summary>Queues a notification (202). The user is checked when the job runs: an unknown user fails the job, not the request.</summary>
    public static Results<Accepted<EnqueuedJob>, ValidationProblem, ProblemHttpResult> EnqueueNotification(EnqueueNotificationRequest request, JobQueue queue)
    {
        var validation = new Validation().Id(request.UserId, "userId").Text(request.Text, "text", 1000, multiline: true);
        if (!validation.IsValid)
        {
            return validation.Result;
        }

        try
        {
            var job = new SendNotification(request.UserId!.Value, request.Text!);
            return TypedResults.Accepted("/api/jobs", new EnqueuedJob(queue.Enqueue(job), job.TaskName));
        }
        catch (JobQueueFullException exception)
        {
            return ApiResults.Problem(StatusCodes.Status503ServiceUnavailable, "Job queue full", exception.Message);
        }
    }
}
