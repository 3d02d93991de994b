namespace TheBot.Api.Domain;

public sealed record User(long Id, string Name, string Email, string Role, DateTime CreatedAt);
