namespace TheBot.Monitoring.Metrics;

/// <summary>
/// Writes families as the Prometheus protobuf exposition: a stream of varint-length-delimited
/// <c>io.prometheus.client.MetricFamily</c> messages (client_model metrics.proto, proto2), with native buckets on the
/// histograms that keep them. <see cref="ExpositionWriter"/> drives it through the same calls as the text formats, so
/// every family and source writes itself once for all three formats. Field numbers are those of metrics.proto.
/// </summary>
internal sealed class ProtobufExposition
{
    // metrics.proto field numbers, by message.
    private const int FamilyName = 1, FamilyHelp = 2, FamilyType = 3, FamilyMetric = 4;
    private const int MetricGauge = 2, MetricCounter = 3, MetricHistogram = 7;
    private const int ValueField = 1;
    private const int HistogramCount = 1, HistogramSum = 2, HistogramBucket = 3, HistogramSchema = 5, HistogramZeroThreshold = 6,
        HistogramZeroCount = 7, HistogramPositiveSpan = 12, HistogramPositiveDelta = 13;
    private const int BucketCumulativeCount = 1, BucketUpperBound = 2, BucketExemplar = 3;
    private const int SpanOffset = 1, SpanLength = 2;
    private const int ExemplarLabel = 1, ExemplarValue = 2, ExemplarTimestamp = 3;
    private const int TimestampSeconds = 1, TimestampNanos = 2;

    /// <summary>A gap of up to this many empty buckets is written as zero counts inside a span rather than opening a new span.</summary>
    private const int MaxGapInSpan = 2;

    private readonly ProtobufBuffer _buffer = new();

    // Native-bucket scratch reused for every histogram of every scrape (one writer serves one scrape at a time): a
    // stackalloc per series would zero 5.7 KB each time, a third of the protobuf exposition's time for a
    // backend-shaped registry before this change.
    private readonly long[] _nativeRaw = new long[NativeBuckets.Slots];
    private readonly int[] _nativeKeys = new int[NativeBuckets.Slots];
    private readonly long[] _nativeCounts = new long[NativeBuckets.Slots];
    private int _familyMark = -1;
    private int _familyStart;
    private int _metrics;
    private MetricType _type;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    public void Reset()
    {
        _buffer.Reset();
        _familyMark = -1;
    }

    /// <summary>Ends the previous family and opens one; its metrics follow.</summary>
    public void BeginFamily(string name, string help, MetricType type)
    {
        EndFamily();
        _familyStart = _buffer.Length;
        _familyMark = _buffer.BeginDelimited();
        _buffer.WriteString(FamilyName, name);
        _buffer.WriteString(FamilyHelp, help);
        _buffer.WriteEnum(FamilyType, type switch
        {
            MetricType.Counter => 0,
            MetricType.Gauge => 1,
            _ => 4, // HISTOGRAM
        });
        _type = type;
        _metrics = 0;
    }

    /// <summary>
    /// Closes the open family. One without metrics is dropped: the text formats show HELP and TYPE before the first
    /// event, but a protobuf family with no metric says nothing a parser can use.
    /// </summary>
    public void EndFamily()
    {
        if (_familyMark < 0)
        {
            return;
        }

        if (_metrics == 0)
        {
            _buffer.Truncate(_familyStart);
        }
        else
        {
            _buffer.EndMessage(_familyMark);
        }

        _familyMark = -1;
    }

    /// <summary>One counter or gauge metric (as the open family's type says) with pre-encoded label pairs.</summary>
    public void WriteScalar(ReadOnlySpan<byte> labelPairs, double value)
    {
        if (_familyMark < 0)
        {
            return; // a sample outside any family (a source that skipped WriteHeader) has no name to go under
        }

        var metric = _buffer.BeginMessage(FamilyMetric);
        _buffer.WriteRaw(labelPairs);
        var inner = _buffer.BeginMessage(_type == MetricType.Counter ? MetricCounter : MetricGauge);
        _buffer.WriteDouble(ValueField, value);
        _buffer.EndMessage(inner);
        _buffer.EndMessage(metric);
        _metrics++;
    }

    /// <summary>One histogram metric: count, sum, the classic buckets (with exemplars when given) and the native buckets.</summary>
    public void WriteHistogram(Histogram histogram, ExemplarReservoir? exemplars)
    {
        if (_familyMark < 0)
        {
            return;
        }

        var bounds = histogram.UpperBounds;
        Span<long> cumulative = stackalloc long[bounds.Count + 1];
        histogram.CopyCumulative(cumulative, out var sum);

        var native = histogram.Native;
        Span<int> keys = _nativeKeys;
        Span<long> counts = _nativeCounts;
        int populated = 0, schema = 0;
        long zeroCount = 0, nativeTotal = 0;
        if (native is not null)
        {
            populated = native.Read(_nativeRaw, keys, counts, out schema, out zeroCount);
            nativeTotal = zeroCount;
            foreach (var count in counts[..populated])
            {
                nativeTotal += count;
            }
        }

        var metric = _buffer.BeginMessage(FamilyMetric);
        _buffer.WriteRaw(histogram.EncodedLabelPairs);
        var message = _buffer.BeginMessage(MetricHistogram);

        // The classic and native counts are read a moment apart while requests keep coming: the larger is the count,
        // so no bucket of either kind ever claims more observations than the histogram has (Prometheus rejects that).
        _buffer.WriteUInt64(HistogramCount, (ulong)Math.Max(cumulative[^1], nativeTotal));
        _buffer.WriteDouble(HistogramSum, sum);
        for (var i = 0; i < bounds.Count; i++)
        {
            var bucket = _buffer.BeginMessage(HistogramBucket);
            _buffer.WriteUInt64(BucketCumulativeCount, (ulong)cumulative[i]);
            _buffer.WriteDouble(BucketUpperBound, bounds[i]);
            if (exemplars is not null && exemplars.TryRead(i, out var exemplar) && exemplar.LabelSetCharacters <= Exemplar.MaxLabelSetCharacters)
            {
                WriteExemplar(exemplar);
            }

            _buffer.EndMessage(bucket);
        }

        if (native is not null)
        {
            WriteNative(schema, zeroCount, keys[..populated], counts[..populated]);
        }

        _buffer.EndMessage(message);
        _buffer.EndMessage(metric);
        _metrics++;
    }

    private void WriteNative(int schema, long zeroCount, ReadOnlySpan<int> keys, ReadOnlySpan<long> counts)
    {
        _buffer.WriteSInt64(HistogramSchema, schema);
        _buffer.WriteDouble(HistogramZeroThreshold, NativeBuckets.ZeroThreshold);
        _buffer.WriteUInt64(HistogramZeroCount, (ulong)zeroCount);

        // Spans: runs of consecutive bucket keys. The first span's offset is its first key, each later one's offset the
        // number of empty buckets since the previous span; a short gap is filled with zero counts instead.
        var i = 0;
        var previousEnd = 0;
        while (i < keys.Length)
        {
            var start = i;
            while (i + 1 < keys.Length && keys[i + 1] - keys[i] - 1 <= MaxGapInSpan)
            {
                i++;
            }

            var span = _buffer.BeginMessage(HistogramPositiveSpan);
            _buffer.WriteSInt64(SpanOffset, start == 0 ? keys[0] : keys[start] - previousEnd);
            _buffer.WriteUInt64(SpanLength, (ulong)(keys[i] - keys[start] + 1));
            _buffer.EndMessage(span);
            previousEnd = keys[i] + 1;
            i++;
        }

        // Deltas: each bucket's count minus the previous bucket's (the filled zeros included), the first against zero.
        long previous = 0;
        for (var j = 0; j < keys.Length; j++)
        {
            var gap = j == 0 ? 0 : keys[j] - keys[j - 1] - 1;
            for (var filled = 0; gap <= MaxGapInSpan && filled < gap; filled++)
            {
                _buffer.WriteSInt64(HistogramPositiveDelta, -previous);
                previous = 0;
            }

            _buffer.WriteSInt64(HistogramPositiveDelta, counts[j] - previous);
            previous = counts[j];
        }
    }

    private void WriteExemplar(in Exemplar exemplar)
    {
        var message = _buffer.BeginMessage(BucketExemplar);
        WriteLabel(ExemplarLabel, "trace_id", exemplar.TraceId);
        WriteLabel(ExemplarLabel, "span_id", exemplar.SpanId);
        _buffer.WriteDouble(ExemplarValue, exemplar.Value);
        var timestamp = _buffer.BeginMessage(ExemplarTimestamp);
        _buffer.WriteUInt64(TimestampSeconds, (ulong)(exemplar.UnixMilliseconds / 1000));
        _buffer.WriteUInt64(TimestampNanos, (ulong)(exemplar.UnixMilliseconds % 1000 * 1_000_000));
        _buffer.EndMessage(timestamp);
        _buffer.EndMessage(message);
    }

    private void WriteLabel(int field, string name, string value)
    {
        var pair = _buffer.BeginMessage(field);
        _buffer.WriteString(1, name);
        _buffer.WriteString(2, value);
        _buffer.EndMessage(pair);
    }

    /// <summary>
    /// Label pairs from the text encoding <c>{a="x",b="y"}</c> (with <c>\\</c>, <c>\"</c> and <c>\n</c> escapes): what
    /// an outside <see cref="IMetricSource"/> hands <see cref="ExpositionWriter.WriteSample(ReadOnlySpan{byte}, ReadOnlySpan{byte}, double)"/>.
    /// Scrape-time only and rare, so it may allocate.
    /// </summary>
    public static byte[] LabelPairsFromText(ReadOnlySpan<byte> encodedLabels)
    {
        var text = System.Text.Encoding.UTF8.GetString(encodedLabels).Trim();
        if (text.Length < 2 || text[0] != '{')
        {
            return [];
        }

        var names = new List<string>();
        var values = new List<string>();
        var i = 1;
        while (i < text.Length && text[i] != '}')
        {
            var equals = text.IndexOf('=', i);
            if (equals < 0 || equals + 1 >= text.Length || text[equals + 1] != '"')
            {
                break;
            }

            names.Add(text[i..equals].Trim());
            var value = new System.Text.StringBuilder();
            i = equals + 2;
            while (i < text.Length && text[i] != '"')
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    i++;
                    value.Append(text[i] == 'n' ? '\n' : text[i]);
                }
                else
                {
                    value.Append(text[i]);
                }

                i++;
            }

            values.Add(value.ToString());
            i++; // closing quote
            if (i < text.Length && text[i] == ',')
            {
                i++;
            }
        }

        return ProtobufBuffer.EncodeLabelPairs(names, values);
    }
}
