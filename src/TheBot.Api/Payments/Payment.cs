namespace TheBot.Api.Payments;

public sealed record Payment(long Id, long UserId, long AmountCents, string Currency, string Method, string Status,
    string? ProviderReference, string? FailureReason, DateTime CreatedAt, DateTime? ReconciledAt);
