namespace TheBot.Api.Payments;

/// <summary>A payment provider (card processor, bank, wallet).</summary>
public interface IPaymentProvider
{
    /// <summary>Charges once per <see cref="ChargeRequest.IdempotencyKey"/>.</summary>
    Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken cancellationToken);

    /// <summary>The outcome of the charge made under <paramref name="idempotencyKey"/>, or null when none was made.</summary>
    Task<ChargeResult?> FindChargeAsync(string idempotencyKey, CancellationToken cancellationToken);
}
