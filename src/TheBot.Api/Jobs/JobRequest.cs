namespace TheBot.Api.Jobs;

/// <summary>A unit of background work; <see cref="TaskName"/> is the <c>task_name</c> label.</summary>
public abstract record JobRequest
{
    public abstract string TaskName { get; }
}
