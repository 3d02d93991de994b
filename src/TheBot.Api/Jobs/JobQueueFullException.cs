namespace TheBot.Api.Jobs;

/// <summary>The job queue is full.</summary>
public sealed class JobQueueFullException() : Exception("the job queue is full");
