using System.Data.Common;
using Dapper;
using TheBot.Api.Jobs;
using TheBot.Api.Metrics;

namespace TheBot.Api.Payments;

/// <summary>
/// Records a payment as <c>pending</c>, charges it through the provider, then records the outcome, counts it
/// (<c>thebot_payments_processed_total{status,method}</c>) and queues a reconciliation for failed ones. The order is
/// what keeps the books straight: with the database down nothing is charged (503 before the provider is called), and
/// when the outcome cannot be written after the charge the pending row stays and the reconciliation job settles it
/// from the provider's answer (queued at once, and found again by <see cref="PendingPaymentSweeper"/>).
/// </summary>
public sealed partial class PaymentService(DbDataSource db, IPaymentProvider provider, BusinessMetrics metrics, JobQueue jobs, ILogger<PaymentService> logger)
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
