using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.AotApp;

/// <summary>The app's own business family, brought in by <c>AddTheBotMetrics</c>.</summary>
public sealed class LessonMetrics(MetricRegistry registry)
{
    private readonly MetricFamily<Counter> _views = registry.Counter("aot_lesson_views_total", "Lessons viewed.");

    public void Viewed() => _views.WithLabels().Inc();
}
