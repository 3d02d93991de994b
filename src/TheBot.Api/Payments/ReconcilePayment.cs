using TheBot.Api.Jobs;

namespace TheBot.Api.Payments;

/// <summary>Reconcile a failed or pending payment with the provider's books, then notify its user.</summary>
public sealed record ReconcilePayment(long PaymentId) : JobRequest
{
    public override string TaskName => "reconcile_payment";
}
