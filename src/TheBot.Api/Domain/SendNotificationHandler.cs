using TheBot.Api.Jobs;

namespace TheBot.Api.Domain;

/// <summary>Stores an in-app notification.</summary>
public sealed class SendNotificationHandler(UserStore users) : JobHandler<SendNotification>
{
    protected override Task HandleAsync(SendNotification job, CancellationToken cancellationToken) =>
        users.AddNotificationAsync(job.UserId, job.Text, cancellationToken);
}
