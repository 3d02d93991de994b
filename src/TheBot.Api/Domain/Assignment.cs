namespace TheBot.Api.Domain;

public sealed record Assignment(long Id, long CourseId, string Title, DateTime DueAt, int MaxLength, bool Closed, DateTime CreatedAt);
