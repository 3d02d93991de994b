using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using TheBot.Api.Jobs;
using TheBot.Monitoring.Business;

namespace TheBot.Api.Payments;

public sealed record Payment(long Id, long UserId, long AmountCents, string Currency, string Method, string Status,
    string? ProviderReference, string? FailureReason, DateTime CreatedAt, DateTime? ReconciledAt);

/// <summary>What the platform asks a payment provider to charge.</summary>
public sealed record ChargeRequest(long UserId, long AmountCents, string Currency, PaymentMethod Method, string? Token);

/// <summary>What the provider answered.</summary>
public sealed record ChargeResult(PaymentStatus Status, string? Reference, string? Reason);

/// <summary>A payment provider (card processor, bank, wallet).</summary>
public interface IPaymentProvider
{
    Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken cancellationToken);
}

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

        return outcome switch
        {
            PaymentStatus.Succeeded => new ChargeResult(outcome, "sim_" + Guid.NewGuid().ToString("N")[..16], null),
            PaymentStatus.Declined => new ChargeResult(outcome, null, "declined by the issuer (simulated)"),
            _ => new ChargeResult(outcome, null, "provider unavailable (simulated)"),
        };
    }
}

/// <summary>
/// Charges through the provider, records the payment with its outcome, counts it
/// (<c>thebot_payments_processed_total{status,method}</c>) and queues a reconciliation for failed ones.
/// </summary>
public sealed class PaymentService(DbDataSource db, IPaymentProvider provider, PlatformMetrics metrics, JobQueue jobs)
{
    private const string Columns = "id AS Id, user_id AS UserId, amount_cents AS AmountCents, currency AS Currency, method AS Method, status AS Status, provider_reference AS ProviderReference, failure_reason AS FailureReason, created_at AS CreatedAt, reconciled_at AS ReconciledAt";

    public static readonly string[] Methods = ["card", "bank_transfer", "wallet"];

    public static PaymentMethod? ParseMethod(string? method) => method switch
    {
        "card" => PaymentMethod.Card,
        "bank_transfer" => PaymentMethod.BankTransfer,
        "wallet" => PaymentMethod.Wallet,
        _ => null,
    };

    public static string Label(PaymentStatus status) => status switch
    {
        PaymentStatus.Succeeded => "succeeded",
        PaymentStatus.Declined => "declined",
        _ => "failed",
    };

    public async Task<Payment> ProcessAsync(ChargeRequest request, string method, CancellationToken cancellationToken)
    {
        var result = await provider.ChargeAsync(request, cancellationToken);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var payment = await connection.QuerySingleAsync<Payment>(new CommandDefinition(
            $"""
            INSERT INTO payments (user_id, amount_cents, currency, method, status, provider_reference, failure_reason)
            VALUES (@UserId, @AmountCents, @Currency, @method, @status, @reference, @reason) RETURNING {Columns}
            """,
            new { request.UserId, request.AmountCents, request.Currency, method, status = Label(result.Status), reference = result.Reference, reason = result.Reason },
            cancellationToken: cancellationToken));
        metrics.PaymentProcessed(result.Status, request.Method);
        if (result.Status == PaymentStatus.Failed)
        {
            jobs.Enqueue(new ReconcilePayment(payment.Id));
        }

        return payment;
    }

    public async Task<Payment?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Payment>(new CommandDefinition(
            $"SELECT {Columns} FROM payments WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Marks a failed payment as reconciled (no money moved) and returns its user, or null when there is nothing to do.</summary>
    public async Task<long?> ReconcileAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "UPDATE payments SET reconciled_at = now() WHERE id = @id AND status = 'failed' AND reconciled_at IS NULL RETURNING user_id",
            new { id }, cancellationToken: cancellationToken));
    }
}

public static class PaymentsExtensions
{
    public static IHostApplicationBuilder AddPayments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PaymentSimulatorOptions>().BindConfiguration(PaymentSimulatorOptions.SectionName)
            .Validate(o => o.FailureRate is >= 0 and <= 1 && o.DeclineRate is >= 0 and <= 1 && o.FailureRate + o.DeclineRate <= 1,
                "Payments:Simulator FailureRate and DeclineRate must be between 0 and 1, and their sum at most 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IPaymentProvider, SimulatedPaymentProvider>();
        builder.Services.AddSingleton<PaymentService>();
        return builder;
    }
}
