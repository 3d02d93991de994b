namespace TheBot.Monitoring.Workload;

/// <summary>A class registered with <c>AddTheBotMetrics&lt;T&gt;()</c>, which the start-up creates so its families exist from the first scrape.</summary>
/// <param name="Type">The class.</param>
internal sealed record ApplicationMetricsType(Type Type);
