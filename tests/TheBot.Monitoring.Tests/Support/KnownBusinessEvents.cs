using TheBot.Monitoring.Business;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>
/// One fixed set of business events whose totals the tests assert: 2 group and 1 private message, 1 late
/// submission, 1 declined wallet payment, 1 grading task retried, queue depth 7, and 1 open chat WebSocket (two
/// opened, one closed twice: the gauge must not drift).
/// </summary>
public static class KnownBusinessEvents
{
    public static void Record(PlatformMetrics metrics)
    {
        metrics.MessageSent(ChatType.Group);
        metrics.MessageSent(ChatType.Group);
        metrics.MessageSent(ChatType.Private);
        metrics.AssignmentSubmitted(SubmissionStatus.Late);
        metrics.PaymentProcessed(PaymentStatus.Declined, PaymentMethod.Wallet);
        metrics.StartTask("grading").Complete(BackgroundTaskStatus.Retry);
        metrics.SetQueueDepth("default", 7);
        var lease = metrics.TrackWebSocket("chat");
        metrics.TrackWebSocket("chat");
        lease.Dispose();
        lease.Dispose();
    }
}
