namespace TheBot.Monitoring.Metrics;

/// <summary>The exposition formats the library writes; the scrape's Accept header picks one.</summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4 (the default, and what a browser gets).</summary>
    Text,

    /// <summary>OpenMetrics 1.0.0 text, the only text format with exemplars.</summary>
    OpenMetrics,

    /// <summary>
    /// Prometheus protobuf (varint-delimited <c>io.prometheus.client.MetricFamily</c>), the only format with native
    /// histograms; Prometheus asks for it when started with <c>--enable-feature=native-histograms</c>.
    /// </summary>
    Protobuf,
}
