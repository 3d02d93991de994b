using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>
/// An application's own business families, brought the way THE_BOT's platform brings its (src/TheBot.Api/Metrics):
/// a class registered with <c>AddTheBotMetrics&lt;T&gt;()</c>. The library adds none of these by itself.
/// </summary>
public sealed class AppBusinessMetrics
{
    public AppBusinessMetrics(MetricRegistry registry)
    {
        Messages = registry.Counter("thebot_messages_sent_total", "Chat messages sent, by chat type.", "chat_type");
        Assignments = registry.Counter("thebot_assignments_submitted_total", "Assignment submissions, by outcome.", "status");
        Payments = registry.Counter("thebot_payments_processed_total", "Payments processed, by outcome and method.", "status", "method");
        foreach (var status in new[] { "accepted", "late", "rejected" })
        {
            Assignments.WithLabels(status); // exposed at zero before the first submission
        }
    }

    public MetricFamily<Counter> Messages { get; }

    public MetricFamily<Counter> Assignments { get; }

    public MetricFamily<Counter> Payments { get; }
}
