namespace TheBot.Cli.Explain;

/// <summary>Everything <c>explain</c> found about one alert, printed as text or JSON.</summary>
internal sealed record AlertExplanation(
    string Alert,
    string State,
    string Expression,
    TimeSpan For,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<ConditionBranch> Conditions,
    IReadOnlyList<ActiveAlert> Active,
    string? Histogram,
    TimeSpan Window,
    IReadOnlyList<SeriesValue> HistogramDrivers,
    int ExemplarsInWindow,
    IReadOnlyList<TracedExemplar> Exemplars,
    IReadOnlyList<string> LogFiles);

/// <summary>
/// One top-level <c>or</c> branch of the alert's condition (the whole condition when it has none): its vector, its
/// comparison, and the vector's top series now.
/// </summary>
internal sealed record ConditionBranch(string Vector, string? Operator, double? Threshold, IReadOnlyList<SeriesValue> Drivers);

/// <summary>One firing or pending instance of the alert.</summary>
internal sealed record ActiveAlert(string State, DateTimeOffset? ActiveAt, double? Value, IReadOnlyDictionary<string, string> Labels);

/// <summary>One series of an instant query and its value.</summary>
internal sealed record SeriesValue(IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>An exemplar from <c>/api/v1/query_exemplars</c> with the log lines of its trace, newest first.</summary>
internal sealed record TracedExemplar(
    string TraceId,
    string? SpanId,
    double Value,
    DateTimeOffset Timestamp,
    IReadOnlyDictionary<string, string> SeriesLabels,
    bool OverThreshold,
    IReadOnlyList<TraceLogLine> Logs);

/// <summary>One JSON log line of a trace.</summary>
internal sealed record TraceLogLine(string File, DateTimeOffset? Timestamp, string Line);
