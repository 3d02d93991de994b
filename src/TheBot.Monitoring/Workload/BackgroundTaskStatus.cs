namespace TheBot.Monitoring.Workload;

/// <summary>Outcome of one run of a background task.</summary>
public enum BackgroundTaskStatus
{
    /// <summary>Done.</summary>
    Success,

    /// <summary>Failed for good.</summary>
    Failure,

    /// <summary>Failed and scheduled again.</summary>
    Retry,
}
