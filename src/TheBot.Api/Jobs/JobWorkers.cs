using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Npgsql;
using TheBot.Monitoring.Workload;

namespace TheBot.Api.Jobs;

/// <summary>
/// Runs queued jobs on <see cref="JobOptions.Workers"/> workers. Each run is recorded with the library
/// (<c>thebot_background_tasks_total{task_name,status}</c> and its duration): <c>success</c>; <c>retry</c> when a
/// transient failure (database unreachable, timeout) leaves attempts, the job then runs again after a delay;
/// <c>failure</c> otherwise.
/// </summary>
public sealed partial class JobWorkers(JobQueue queue, IEnumerable<IJobHandler> handlers, WorkloadMetrics metrics, IOptions<JobOptions> options, ILogger<JobWorkers> logger)
    : BackgroundService
{
    private readonly Dictionary<Type, IJobHandler> _handlers = handlers.ToDictionary(h => h.JobType);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.Workers)).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        queue.WorkerStarted();
        try
        {
            await foreach (var job in queue.Reader.ReadAllAsync(stoppingToken))
            {
                queue.Taken();
                try
                {
                    await RunAsync(job, stoppingToken);
                }
                finally
                {
                    queue.Finished();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            queue.WorkerStopped();
        }
    }

    private async Task RunAsync(QueuedJob job, CancellationToken stoppingToken)
    {
        var run = metrics.StartTask(job.Request.TaskName);
        try
        {
            var handler = _handlers.GetValueOrDefault(job.Request.GetType())
                ?? throw new NotSupportedException($"no handler registered for job {job.Request.TaskName} ({job.Request.GetType().Name})");
            await handler.HandleAsync(job.Request, stoppingToken);
            run.Complete(BackgroundTaskStatus.Success);
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            if (IsTransient(exception) && job.Attempt < options.Value.MaxAttempts)
            {
                run.Complete(BackgroundTaskStatus.Retry);
                LogRetry(logger, job.Request.TaskName, job.Id, job.Attempt, exception.Message);
                queue.RetryDelayed();
                _ = RetryLaterAsync(job with { Attempt = job.Attempt + 1 }, stoppingToken);
            }
            else
            {
                run.Complete(BackgroundTaskStatus.Failure);
                LogFailure(logger, job.Request.TaskName, job.Id, job.Attempt, exception.Message);
            }
        }
    }

    private async Task RetryLaterAsync(QueuedJob job, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(options.Value.RetryDelayMilliseconds * (job.Attempt - 1)), stoppingToken);

            // Back in the queue before it stops counting as delayed: depth + delayed never dips to 0 in between.
            queue.Requeue(job);
        }
        catch (Exception exception) when (exception is OperationCanceledException or JobQueueFullException)
        {
            LogFailure(logger, job.Request.TaskName, job.Id, job.Attempt, exception.Message);
        }
        finally
        {
            queue.RetryDelayEnded();
        }
    }

    /// <summary>Worth another attempt: the database or network was unavailable, not the job itself wrong.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException or SocketException or IOException => true,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    [LoggerMessage(LogLevel.Warning, "job {TaskName} #{JobId} attempt {Attempt} failed, will retry: {Reason}")]
    private static partial void LogRetry(ILogger logger, string taskName, long jobId, int attempt, string reason);

    [LoggerMessage(LogLevel.Error, "job {TaskName} #{JobId} failed for good after attempt {Attempt}: {Reason}")]
    private static partial void LogFailure(ILogger logger, string taskName, long jobId, int attempt, string reason);
}
