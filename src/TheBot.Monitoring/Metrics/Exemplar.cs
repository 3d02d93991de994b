namespace TheBot.Monitoring.Metrics;

/// <summary>One OpenMetrics exemplar: the trace that produced an observation, its value and when it was made.</summary>
/// <param name="TraceId">W3C trace id, 32 lowercase hex characters.</param>
/// <param name="SpanId">W3C span id, 16 lowercase hex characters.</param>
/// <param name="Value">The observed value (seconds for the duration histograms).</param>
/// <param name="UnixMilliseconds">When it was observed, in milliseconds since the Unix epoch.</param>
public readonly record struct Exemplar(string TraceId, string SpanId, double Value, long UnixMilliseconds)
{
    /// <summary>OpenMetrics' limit on an exemplar's label set: names and values together, in UTF-8 characters.</summary>
    public const int MaxLabelSetCharacters = 128;

    /// <summary>Characters of <c>trace_id</c> + value + <c>span_id</c> + value, as OpenMetrics counts them.</summary>
    public int LabelSetCharacters => "trace_id".Length + TraceId.Length + "span_id".Length + SpanId.Length;
}
