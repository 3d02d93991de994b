using TheBot.Monitoring.Metrics;

namespace TheBot.Api.Metrics;

/// <summary>
/// THE_BOT's business families (contract §5): messages, assignment submissions and payments. They belong to the
/// platform, not to the monitoring library, so an app that only adds the library's two lines has none of them; the
/// platform registers this class with <c>AddTheBotMetrics&lt;BusinessMetrics&gt;()</c>, which creates it at start
/// (every series below is exposed at zero from the first scrape) and lists its counters in the analytics endpoint.
/// Each is published on the meter <c>TheBot.Monitoring</c> with its count unit (<c>{message}</c>, …), which a
/// Prometheus name cannot say. Enums keep every label bounded, and every series is resolved here once, so recording is a single atomic add.
/// </summary>
public sealed class BusinessMetrics
{
    private readonly Counter[] _messages;
    private readonly Counter[] _assignments;
    private readonly Counter[,] _payments;

    /// <summary>Creates the families in <paramref name="registry"/>, with every label combination at zero.</summary>
    public BusinessMetrics(MetricRegistry registry)
    {
        var messages = registry.Counter("thebot_messages_sent_total", "Chat messages sent, by chat type.", MetricUnit.Count("message"), "chat_type");
        _messages = [messages.WithLabels("private"), messages.WithLabels("group")];
        var assignments = registry.Counter("thebot_assignments_submitted_total", "Assignment submissions, by outcome.", MetricUnit.Count("submission"), "status");
        _assignments = [assignments.WithLabels("accepted"), assignments.WithLabels("late"), assignments.WithLabels("rejected")];
        var payments = registry.Counter("thebot_payments_processed_total", "Payments processed, by outcome and method.", MetricUnit.Count("payment"), "status", "method");
        string[] statuses = ["succeeded", "failed", "declined"];
        string[] methods = ["card", "bank_transfer", "wallet"];
        _payments = new Counter[statuses.Length, methods.Length];
        for (var s = 0; s < statuses.Length; s++)
        {
            for (var m = 0; m < methods.Length; m++)
            {
                _payments[s, m] = payments.WithLabels(statuses[s], methods[m]);
            }
        }
    }

    /// <summary>Counts one chat message.</summary>
    public void MessageSent(ChatType chatType) => _messages[(int)chatType].Inc();

    /// <summary>Counts one assignment submission.</summary>
    public void AssignmentSubmitted(SubmissionStatus status) => _assignments[(int)status].Inc();

    /// <summary>Counts one processed payment.</summary>
    public void PaymentProcessed(PaymentStatus status, PaymentMethod method) => _payments[(int)status, (int)method].Inc();
}
