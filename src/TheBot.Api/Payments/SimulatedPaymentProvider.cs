using Microsoft.Extensions.Options;
using TheBot.Api.Metrics;

namespace TheBot.Api.Payments;

/// <summary>
/// The payment provider of this reference platform: a simulation, with configurable failure rate, decline rate and
/// latency. Like real sandboxes it has test tokens that force an outcome: <c>sim_success</c>, <c>sim_decline</c>,
/// <c>sim_fail</c>.
/// </summary>
public sealed class SimulatedPaymentProvider(IOptionsMonitor<PaymentSimulatorOptions> options, TimeProvider clock) : IPaymentProvider
{
    public const string SucceedToken = "sim_success";
    public const string DeclineToken = "sim_decline";
    public const string FailToken = "sim_fail";

    private readonly Random _random = options.CurrentValue.Seed is { } seed ? new Random(seed) : new Random();
    private readonly Lock _lock = new();

    // The simulated provider's books: outcomes by idempotency key, for reconciliation (kept in memory, like the rest
    // of the simulation; a restart of the backend forgets them, so pending payments are then settled as never charged).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ChargeResult> _charges = new(StringComparer.Ordinal);

    public Task<ChargeResult?> FindChargeAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        Task.FromResult(_charges.TryGetValue(idempotencyKey, out var result) ? result : null);

    public async Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        double roll;
        int jitter;
        lock (_lock)
        {
            roll = _random.NextDouble();
            jitter = settings.LatencyJitterMilliseconds > 0 ? _random.Next(settings.LatencyJitterMilliseconds + 1) : 0;
        }

        var latency = Math.Max(0, settings.LatencyMilliseconds) + jitter;
        if (latency > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(latency), clock, cancellationToken);
        }

        var outcome = request.Token switch
        {
            SucceedToken => PaymentStatus.Succeeded,
            DeclineToken => PaymentStatus.Declined,
            FailToken => PaymentStatus.Failed,
            _ when roll < settings.FailureRate => PaymentStatus.Failed,
            _ when roll < settings.FailureRate + settings.DeclineRate => PaymentStatus.Declined,
            _ => PaymentStatus.Succeeded,
        };

        var result = outcome switch
        {
            PaymentStatus.Succeeded => new ChargeResult(outcome, "sim_" + Guid.NewGuid().ToString("N")[..16], null),
            PaymentStatus.Declined => new ChargeResult(outcome, null, "declined by the issuer (simulated)"),
            _ => new ChargeResult(outcome, null, "provider unavailable (simulated)"),
        };
        return request.IdempotencyKey is { } key ? _charges.GetOrAdd(key, result) : result;
    }
}
