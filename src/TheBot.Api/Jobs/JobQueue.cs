using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using TheBot.Api.Domain;
using TheBot.Api.Payments;
using TheBot.Monitoring.Business;
using TheBot.Monitoring.Health;

namespace TheBot.Api.Jobs;

/// <summary>A unit of background work; <see cref="TaskName"/> is the <c>task_name</c> label.</summary>
public abstract record JobRequest
{
    public abstract string TaskName { get; }
}

/// <summary>Grade a submission, then notify its student.</summary>
public sealed record GradeSubmission(long SubmissionId) : JobRequest
{
    public override string TaskName => "grade_submission";
}

/// <summary>Store an in-app notification for a user.</summary>
public sealed record SendNotification(long UserId, string Text) : JobRequest
{
    public override string TaskName => "send_notification";
}

/// <summary>Reconcile a failed or pending payment with the provider's books, then notify its user.</summary>
public sealed record ReconcilePayment(long PaymentId) : JobRequest
{
    public override string TaskName => "reconcile_payment";
}

/// <summary>Settings of the job queue (section <c>Jobs</c>).</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

    /// <summary>Jobs run concurrently.</summary>
    public int Workers { get; set; } = 2;

    /// <summary>Runs of one job before it fails for good (transient errors only are retried).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Wait before a retry, multiplied by the attempt number.</summary>
    public int RetryDelayMilliseconds { get; set; } = 1000;

    /// <summary>Most jobs waiting; enqueueing past it is refused (503).</summary>
    public int Capacity { get; set; } = 10_000;
}

public sealed record QueuedJob(long Id, JobRequest Request, int Attempt);

/// <summary>The job queue is full.</summary>
public sealed class JobQueueFullException() : Exception("the job queue is full");

/// <summary>
/// An in-process queue over a bounded <see cref="Channel{T}"/>. Its depth is exported as
/// <c>thebot_background_queue_depth{queue="default"}</c> and reported to the <c>job_queue</c> health component.
/// </summary>
public sealed class JobQueue : IJobQueueMonitor
{
    public const string QueueName = "default";

    private readonly Channel<QueuedJob> _channel;
    private readonly PlatformMetrics _metrics;
    private long _depth;
    private long _inFlight;
    private long _delayed;
    private long _nextId;
    private int _workers;

    public JobQueue(IOptions<JobOptions> options, PlatformMetrics metrics)
    {
        _metrics = metrics;
        _channel = Channel.CreateBounded<QueuedJob>(new BoundedChannelOptions(Math.Max(1, options.Value.Capacity)) { FullMode = BoundedChannelFullMode.Wait });
        metrics.SetQueueDepth(QueueName, 0);
    }

    /// <summary>Jobs in the queue, ready to run.</summary>
    public long Depth => Interlocked.Read(ref _depth);

    /// <summary>Jobs waiting out their retry delay: in no queue yet, but not done either.</summary>
    public long Delayed => Interlocked.Read(ref _delayed);

    /// <summary>For the <c>job_queue</c> health component, jobs waiting to run include those waiting to retry.</summary>
    long IJobQueueMonitor.Depth => Depth + Delayed;

    public long InFlight => Interlocked.Read(ref _inFlight);

    public bool IsRunning => Volatile.Read(ref _workers) > 0;

    public int Workers => Volatile.Read(ref _workers);

    internal ChannelReader<QueuedJob> Reader => _channel.Reader;

    public long Enqueue(JobRequest request)
    {
        var job = new QueuedJob(Interlocked.Increment(ref _nextId), request, 1);
        Requeue(job);
        return job.Id;
    }

    internal void Requeue(QueuedJob job)
    {
        if (!_channel.Writer.TryWrite(job))
        {
            throw new JobQueueFullException();
        }

        _metrics.SetQueueDepth(QueueName, Interlocked.Increment(ref _depth));
    }

    internal void Taken()
    {
        Interlocked.Increment(ref _inFlight);
        _metrics.SetQueueDepth(QueueName, Interlocked.Decrement(ref _depth));
    }

    internal void Finished() => Interlocked.Decrement(ref _inFlight);

    /// <summary>A job leaves the worker to wait for its retry; call before the worker counts it finished, so it is never unaccounted for.</summary>
    internal void RetryDelayed() => Interlocked.Increment(ref _delayed);

    /// <summary>The retry delay is over: the job is back in the queue (or dropped).</summary>
    internal void RetryDelayEnded() => Interlocked.Decrement(ref _delayed);

    internal void WorkerStarted() => Interlocked.Increment(ref _workers);

    internal void WorkerStopped() => Interlocked.Decrement(ref _workers);
}

/// <summary>
/// Runs queued jobs on <see cref="JobOptions.Workers"/> workers. Each run is recorded with the library
/// (<c>thebot_background_tasks_total{task_name,status}</c> and its duration): <c>success</c>; <c>retry</c> when a
/// transient failure (database unreachable, timeout) leaves attempts, the job then runs again after a delay;
/// <c>failure</c> otherwise.
/// </summary>
public sealed partial class JobWorkers(JobQueue queue, IServiceProvider services, PlatformMetrics metrics, IOptions<JobOptions> options, ILogger<JobWorkers> logger)
    : BackgroundService
{
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
            await using var scope = services.CreateAsyncScope();
            await ExecuteAsync(job.Request, scope.ServiceProvider, stoppingToken);
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

    private static async Task ExecuteAsync(JobRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        switch (request)
        {
            case GradeSubmission grade:
                if (await services.GetRequiredService<AssignmentService>().GradeAsync(grade.SubmissionId, cancellationToken) is { } graded)
                {
                    services.GetRequiredService<JobQueue>().Enqueue(new SendNotification(graded.StudentId, $"Submission {grade.SubmissionId} graded: {graded.Grade}/100."));
                }

                break;
            case SendNotification notification:
                await services.GetRequiredService<UserStore>().AddNotificationAsync(notification.UserId, notification.Text, cancellationToken);
                break;
            case ReconcilePayment reconcile:
                if (await services.GetRequiredService<PaymentService>().ReconcileAsync(reconcile.PaymentId, cancellationToken) is { } settled)
                {
                    var text = settled.Status switch
                    {
                        "succeeded" => $"Payment {settled.Id} succeeded.",
                        "declined" => $"Payment {settled.Id} was declined; no money was taken.",
                        _ => $"Payment {settled.Id} failed; no money was taken.",
                    };
                    services.GetRequiredService<JobQueue>().Enqueue(new SendNotification(settled.UserId, text));
                }

                break;
            default:
                throw new NotSupportedException($"no handler for job {request.TaskName}");
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
}
