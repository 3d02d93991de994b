namespace TheBot.Api.Payments;

/// <summary>Settings of the pending-payment sweep (section <c>Payments:Reconciliation</c>).</summary>
public sealed class PaymentReconciliationOptions
{
    public const string SectionName = "Payments:Reconciliation";

    /// <summary>Seconds between sweeps.</summary>
    public double IntervalSeconds { get; set; } = 30;

    /// <summary>A payment pending this many seconds is no longer in a request's hands and is reconciled.</summary>
    public double StaleAfterSeconds { get; set; } = 60;
}
