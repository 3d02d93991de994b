namespace TheBot.Api.Domain;

public sealed record Submission(long Id, long AssignmentId, long StudentId, string Status, string? Reason, int? Grade, DateTime SubmittedAt, DateTime? GradedAt);
