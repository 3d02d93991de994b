namespace TheBot.Api.Payments;

/// <summary>Settings of <see cref="SimulatedPaymentProvider"/> (section <c>Payments:Simulator</c>).</summary>
public sealed class PaymentSimulatorOptions
{
    public const string SectionName = "Payments:Simulator";

    /// <summary>Share of charges that fail (provider or network error), 0 to 1.</summary>
    public double FailureRate { get; set; } = 0.02;

    /// <summary>Share of charges the provider declines (funds, fraud), 0 to 1.</summary>
    public double DeclineRate { get; set; } = 0.05;

    /// <summary>Base latency of a charge, in milliseconds.</summary>
    public int LatencyMilliseconds { get; set; } = 40;

    /// <summary>Random extra latency up to this many milliseconds.</summary>
    public int LatencyJitterMilliseconds { get; set; } = 40;

    /// <summary>Seed of the random outcomes; null seeds from the clock.</summary>
    public int? Seed { get; set; }
}
