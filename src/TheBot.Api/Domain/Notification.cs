namespace TheBot.Api.Domain;

public sealed record Notification(long Id, long UserId, string Body, DateTime CreatedAt);
