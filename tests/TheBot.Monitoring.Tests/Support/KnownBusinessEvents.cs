using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Workload;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>
/// One fixed set of business events whose totals the tests assert: 2 group and 1 private message, 1 late
/// submission, 1 declined wallet payment (the application's own families, <see cref="AppBusinessMetrics"/>), 1 grading
/// task retried, queue depth 7, and 1 open chat WebSocket (two opened, one closed twice: the gauge must not drift).
/// </summary>
public static class KnownBusinessEvents
{
    public static void Record(IServiceProvider services)
    {
        var business = services.GetRequiredService<AppBusinessMetrics>();
        business.Messages.WithLabels("group").Inc();
        business.Messages.WithLabels("group").Inc();
        business.Messages.WithLabels("private").Inc();
        business.Assignments.WithLabels("late").Inc();
        business.Payments.WithLabels("declined", "wallet").Inc();
        var workload = services.GetRequiredService<WorkloadMetrics>();
        workload.StartTask("grading").Complete(BackgroundTaskStatus.Retry);
        workload.SetQueueDepth("default", 7);
        var lease = workload.TrackWebSocket("chat");
        workload.TrackWebSocket("chat");
        lease.Dispose();
        lease.Dispose();
    }
}
