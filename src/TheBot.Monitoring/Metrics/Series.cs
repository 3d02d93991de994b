namespace TheBot.Monitoring.Metrics;

/// <summary>One series (a metric name plus one set of label values). Thread-safe and allocation-free to update.</summary>
public abstract class Series
{
    private protected Series(string[] labelValues) => LabelValues = labelValues;

    /// <summary>The label values of this series, in the order of the family's label names.</summary>
    public IReadOnlyList<string> LabelValues { get; }

    /// <summary>UTF-8 of <c>{a="x",b="y"}</c> (or empty), escaped once when the series is created.</summary>
    internal byte[] EncodedLabels { get; set; } = [];

    /// <summary>The protobuf <c>Metric.label</c> fields of this series, encoded once when the series is created.</summary>
    internal byte[] EncodedLabelPairs { get; set; } = [];
}
