using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Workload;
using TheBot.Monitoring.Health;

namespace TheBot.Api.Jobs;

/// <summary>
/// An in-process queue over a bounded <see cref="Channel{T}"/>. Its depth is exported as
/// <c>thebot_background_queue_depth{queue="default"}</c> and reported to the <c>job_queue</c> health component.
/// </summary>
public sealed class JobQueue : IJobQueueMonitor
{
    public const string QueueName = "default";

    private readonly Channel<QueuedJob> _channel;
    private readonly WorkloadMetrics _metrics;
    private long _depth;
    private long _inFlight;
    private long _delayed;
    private long _nextId;
    private int _workers;

    public JobQueue(IOptions<JobOptions> options, WorkloadMetrics metrics)
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
