namespace TheBot.Monitoring.Health;

/// <summary>What a service with a background job queue tells the job-queue health component.</summary>
public interface IJobQueueMonitor
{
    /// <summary>Jobs waiting to run.</summary>
    long Depth { get; }

    /// <summary>Whether the workers are running.</summary>
    bool IsRunning { get; }
}
