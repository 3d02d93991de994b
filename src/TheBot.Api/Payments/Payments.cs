using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using TheBot.Api.Jobs;
using TheBot.Monitoring.Business;

namespace TheBot.Api.Payments;

public sealed record Payment(long Id, long UserId, long AmountCents, string Currency, string Method, string Status,
    string? ProviderReference, string? FailureReason, DateTime CreatedAt, DateTime? ReconciledAt);

/// <summary>
/// What the platform asks a payment provider to charge. <paramref name="IdempotencyKey"/> names the charge at the
/// provider (the payment's own id), so the platform can later ask what became of it.
/// </summary>
public sealed record ChargeRequest(long UserId, long AmountCents, string Currency, PaymentMethod Method, string? Token, string? IdempotencyKey = null);

/// <summary>What the provider answered.</summary>
public sealed record ChargeResult(PaymentStatus Status, string? Reference, string? Reason);

/// <summary>A payment provider (card processor, bank, wallet).</summary>
public interface IPaymentProvider
{
    /// <summary>Charges once per <see cref="ChargeRequest.IdempotencyKey"/>.</summary>
    Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken cancellationToken);

    /// <summary>The outcome of the charge made under <paramref name="idempotencyKey"/>, or null when none was made.</summary>
    Task<ChargeResult?> FindChargeAsync(string idempotencyKey, CancellationToken cancellationToken);
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

/// <summary>
/// Records a payment as <c>pending</c>, charges it through the provider, then records the outcome, counts it
/// (<c>thebot_payments_processed_total{status,method}</c>) and queues a reconciliation for failed ones. The order is
/// what keeps the books straight: with the database down nothing is charged (503 before the provider is called), and
/// when the outcome cannot be written after the charge the pending row stays and the reconciliation job settles it
/// from the provider's answer (queued at once, and found again by <see cref="PendingPaymentSweeper"/>).
/// </summary>
public sealed partial class PaymentService(DbDataSource db, IPaymentProvider provider, PlatformMetrics metrics, JobQueue jobs, ILogger<PaymentService> logger)
{
    private const string Columns = "id AS Id, user_id AS UserId, amount_cents AS AmountCents, currency AS Currency, method AS Method, status AS Status, provider_reference AS ProviderReference, failure_reason AS FailureReason, created_at AS CreatedAt, reconciled_at AS ReconciledAt";

    public const string PendingStatus = "pending";

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

    /// <summary>The provider's name for the charge of payment <paramref name="paymentId"/>.</summary>
    public static string IdempotencyKey(long paymentId) => $"thebot-payment-{paymentId}";

    public async Task<Payment> ProcessAsync(ChargeRequest request, string method, CancellationToken cancellationToken)
    {
        long id;
        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
        {
            id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                INSERT INTO payments (user_id, amount_cents, currency, method, status)
                VALUES (@UserId, @AmountCents, @Currency, @method, 'pending') RETURNING id
                """,
                new { request.UserId, request.AmountCents, request.Currency, method },
                cancellationToken: cancellationToken));
        }

        ChargeResult result;
        try
        {
            result = await provider.ChargeAsync(request with { IdempotencyKey = IdempotencyKey(id) }, cancellationToken);
        }
        catch
        {
            // Whether the provider charged is unknown: the reconciliation asks it.
            jobs.Enqueue(new ReconcilePayment(id));
            throw;
        }

        Payment? payment;
        try
        {
            // Money may have moved: record it even if the client has gone away meanwhile.
            payment = await SettleAsync(id, result, reconciled: false, CancellationToken.None);
        }
        catch (Exception exception) when (Data.DatabaseExceptionHandler.Find(exception) is not null)
        {
            LogLeftPending(logger, id, Label(result.Status), exception.Message);
            jobs.Enqueue(new ReconcilePayment(id));
            throw;
        }

        if (payment is null)
        {
            // The reconciliation settled it first (the charge took longer than the sweeper's patience): its record stands.
            return await GetAsync(id, CancellationToken.None) ?? throw new InvalidOperationException($"payment {id} vanished");
        }

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

    /// <summary>
    /// Settles payment <paramref name="id"/> with the reconciliation: a pending one gets the provider's outcome (failed
    /// when the provider never charged it) and is counted then; a failed one is marked reconciled (no money moved).
    /// Returns the settled payment, or null when there is nothing to do.
    /// </summary>
    public async Task<Payment?> ReconcileAsync(long id, CancellationToken cancellationToken)
    {
        var payment = await GetAsync(id, cancellationToken);
        if (payment is { Status: PendingStatus })
        {
            var result = await provider.FindChargeAsync(IdempotencyKey(id), cancellationToken)
                ?? new ChargeResult(PaymentStatus.Failed, null, "never reached the provider; no money was taken");
            var settled = await SettleAsync(id, result, reconciled: true, cancellationToken);
            if (settled is not null && ParseMethod(settled.Method) is { } method)
            {
                metrics.PaymentProcessed(result.Status, method);
            }

            return settled;
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Payment>(new CommandDefinition(
            $"UPDATE payments SET reconciled_at = now() WHERE id = @id AND status = 'failed' AND reconciled_at IS NULL RETURNING {Columns}",
            new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Ids of payments pending for longer than <paramref name="olderThan"/>, oldest first.</summary>
    public async Task<IReadOnlyList<long>> StalePendingAsync(TimeSpan olderThan, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT id FROM payments WHERE status = 'pending' AND created_at < now() - make_interval(secs => @seconds) ORDER BY created_at LIMIT @limit",
            new { seconds = olderThan.TotalSeconds, limit }, cancellationToken: cancellationToken))];
    }

    /// <summary>Writes the outcome onto a still-pending payment; null when it is no longer pending.</summary>
    private async Task<Payment?> SettleAsync(long id, ChargeResult result, bool reconciled, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Payment>(new CommandDefinition(
            $"""
            UPDATE payments SET status = @status, provider_reference = @reference, failure_reason = @reason,
                reconciled_at = CASE WHEN @reconciled THEN now() END
            WHERE id = @id AND status = 'pending' RETURNING {Columns}
            """,
            new { id, status = Label(result.Status), reference = result.Reference, reason = result.Reason, reconciled },
            cancellationToken: cancellationToken));
    }

    [LoggerMessage(LogLevel.Error, "payment {PaymentId} charged ({Outcome}) but its outcome could not be recorded; left pending for reconciliation: {Reason}")]
    private static partial void LogLeftPending(ILogger logger, long paymentId, string outcome, string reason);
}

/// <summary>Settings of the pending-payment sweep (section <c>Payments:Reconciliation</c>).</summary>
public sealed class PaymentReconciliationOptions
{
    public const string SectionName = "Payments:Reconciliation";

    /// <summary>Seconds between sweeps.</summary>
    public double IntervalSeconds { get; set; } = 30;

    /// <summary>A payment pending this many seconds is no longer in a request's hands and is reconciled.</summary>
    public double StaleAfterSeconds { get; set; } = 60;
}

/// <summary>
/// Finds payments left pending (the backend crashed or the database failed between the charge and its record) and
/// queues their reconciliation. The reconciliation queued by the request itself is lost with a restart or may run out
/// of retries while the database is down; this sweep is what guarantees every pending payment is settled.
/// </summary>
public sealed partial class PendingPaymentSweeper(IServiceProvider services, JobQueue jobs, IOptions<PaymentReconciliationOptions> options, ILogger<PendingPaymentSweeper> logger)
    : BackgroundService
{
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.1, settings.IntervalSeconds)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var payments = services.GetRequiredService<PaymentService>();
                    foreach (var id in await payments.StalePendingAsync(TimeSpan.FromSeconds(settings.StaleAfterSeconds), BatchSize, stoppingToken))
                    {
                        jobs.Enqueue(new ReconcilePayment(id));
                    }
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested
                                                  && (Data.DatabaseExceptionHandler.Find(exception) is not null || exception is JobQueueFullException))
                {
                    // The next sweep tries again; the payments stay pending meanwhile.
                    LogSweepFailed(logger, exception.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(LogLevel.Warning, "pending-payment sweep failed, will retry: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
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
        builder.Services.AddOptions<PaymentReconciliationOptions>().BindConfiguration(PaymentReconciliationOptions.SectionName)
            .Validate(o => o.IntervalSeconds > 0 && o.StaleAfterSeconds >= 0, "Payments:Reconciliation IntervalSeconds must be above 0 and StaleAfterSeconds at least 0.")
            .ValidateOnStart();
        builder.Services.AddHostedService<PendingPaymentSweeper>();
        return builder;
    }
}
