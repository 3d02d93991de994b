namespace TheBot.Api.Domain;

public sealed record Course(long Id, string Title, string Description, long TeacherId, DateTime CreatedAt);
