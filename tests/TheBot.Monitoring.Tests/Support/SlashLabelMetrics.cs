using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>
/// An application counter whose label values contain <c>/</c> (a MIME type): joined with <c>/</c>, two of its series
/// once made the same <c>business_since_start</c> key and <c>/api/system/analytics/</c> a 500.
/// </summary>
public sealed class SlashLabelMetrics
{
    public SlashLabelMetrics(MetricRegistry registry)
    {
        var uploads = registry.Counter("thebot_uploads_total", "Uploads, by content type and outcome.", "content_type", "outcome");
        uploads.WithLabels("image/png", "ok").Inc();
        uploads.WithLabels("image", "png/ok").Inc(2);
        uploads.WithLabels("100%", "ok").Inc(3);
    }
}
