namespace TheBot.Api.Metrics;

/// <summary>Outcome of a payment.</summary>
public enum PaymentStatus
{
    /// <summary>Money moved.</summary>
    Succeeded,

    /// <summary>The provider or the network failed.</summary>
    Failed,

    /// <summary>The provider refused it (funds, fraud, limits).</summary>
    Declined,
}
