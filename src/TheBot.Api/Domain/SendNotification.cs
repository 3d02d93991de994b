using TheBot.Api.Jobs;

namespace TheBot.Api.Domain;

/// <summary>Store an in-app notification for a user.</summary>
public sealed record SendNotification(long UserId, string Text) : JobRequest
{
    public override string TaskName => "send_notification";
}
