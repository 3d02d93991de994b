using Microsoft.Extensions.Options;
using TheBot.Api.Jobs;

namespace TheBot.Api.Payments;

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
