using TheBot.Api.Metrics;

namespace TheBot.Api.Payments;

/// <summary>What the provider answered.</summary>
public sealed record ChargeResult(PaymentStatus Status, string? Reference, string? Reason);
