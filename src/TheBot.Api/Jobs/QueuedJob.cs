namespace TheBot.Api.Jobs;

public sealed record QueuedJob(long Id, JobRequest Request, int Attempt);
