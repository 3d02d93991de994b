namespace TheBot.Api.Metrics;

/// <summary>How a payment was made.</summary>
public enum PaymentMethod
{
    /// <summary>Card.</summary>
    Card,

    /// <summary>Bank transfer.</summary>
    BankTransfer,

    /// <summary>Wallet.</summary>
    Wallet,
}
