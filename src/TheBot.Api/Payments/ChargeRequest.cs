using TheBot.Api.Metrics;

namespace TheBot.Api.Payments;

/// <summary>
/// What the platform asks a payment provider to charge. <paramref name="IdempotencyKey"/> names the charge at the
/// provider (the payment's own id), so the platform can later ask what became of it.
/// </summary>
public sealed record ChargeRequest(long UserId, long AmountCents, string Currency, PaymentMethod Method, string? Token, string? IdempotencyKey = null);
