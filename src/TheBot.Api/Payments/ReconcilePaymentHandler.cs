using TheBot.Api.Domain;
using TheBot.Api.Jobs;

namespace TheBot.Api.Payments;

/// <summary>Settles a payment with the provider's books, then queues the user's notification of the outcome.</summary>
public sealed class ReconcilePaymentHandler(PaymentService payments, JobQueue jobs) : JobHandler<ReconcilePayment>
{
    protected override async Task HandleAsync(ReconcilePayment job, CancellationToken cancellationToken)
    {
        if (await payments.ReconcileAsync(job.PaymentId, cancellationToken) is { } settled)
        {
            var text = settled.Status switch
            {
                "succeeded" => $"Payment {settled.Id} succeeded.",
                "declined" => $"Payment {settled.Id} was declined; no money was taken.",
                _ => $"Payment {settled.Id} failed; no money was taken.",
            };
            jobs.Enqueue(new SendNotification(settled.UserId, text));
        }
    }
}
