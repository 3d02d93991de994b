using System.Buffers;
using System.Globalization;
using System.Text;

namespace TheBot.Monitoring.Metrics;

/// <summary>
/// Writes families as Prometheus text exposition 0.0.4, OpenMetrics 1.0, or the Prometheus protobuf format, into a
/// reusable buffer. Label sets are encoded once per series (for text and for protobuf), so a scrape is mostly copying
/// bytes and formatting numbers. Families and sources make the same calls whatever the format.
/// </summary>
public sealed class ExpositionWriter
{
    /// <summary>Content type of the Prometheus text format.</summary>
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Content type of OpenMetrics.</summary>
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>Content type of the Prometheus protobuf format (varint-delimited MetricFamily messages).</summary>
    public const string ProtobufContentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly Dictionary<MetricFamily, byte[]> _names = new(ReferenceEqualityComparer.Instance);
    private ProtobufExposition? _protobuf;

    /// <summary>Creates a writer with an initial buffer size.</summary>
    public ExpositionWriter(bool openMetrics = false, int initialCapacity = 64 * 1024)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
        Reset(openMetrics);
    }

    /// <summary>Creates a writer for <paramref name="format"/> (it can switch with <see cref="Reset(ExpositionFormat)"/>).</summary>
    public ExpositionWriter(ExpositionFormat format)
        : this(openMetrics: false)
    {
        Reset(format);
    }

    /// <summary>The format being written.</summary>
    public ExpositionFormat Format { get; private set; }

    /// <summary>True when writing OpenMetrics rather than the classic text format.</summary>
    public bool OpenMetrics => Format == ExpositionFormat.OpenMetrics;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => Format == ExpositionFormat.Protobuf ? _protobuf!.WrittenMemory : _buffer.WrittenMemory;

    /// <summary>Clears the buffer (keeping its memory) for another scrape.</summary>
    public void Reset(bool openMetrics) => Reset(openMetrics ? ExpositionFormat.OpenMetrics : ExpositionFormat.Text);

    /// <summary>Clears the buffer (keeping its memory) for another scrape in <paramref name="format"/>.</summary>
    public void Reset(ExpositionFormat format)
    {
        Format = format;
        _buffer.ResetWrittenCount();
        if (format == ExpositionFormat.Protobuf)
        {
            _protobuf ??= new ProtobufExposition();
            _protobuf.Reset();
        }
    }

    /// <summary>Writes <c># HELP</c> and <c># TYPE</c> for a family (in protobuf: starts its MetricFamily message).</summary>
    public void WriteHeader(string name, string help, MetricType type)
    {
        if (_protobuf is { } protobuf && Format == ExpositionFormat.Protobuf)
        {
            protobuf.BeginFamily(name, help, type);
            return;
        }

        // OpenMetrics names a counter family without its _total suffix; samples keep it.
        var familyName = OpenMetrics && type == MetricType.Counter && name.EndsWith("_total", StringComparison.Ordinal)
            ? name[..^"_total".Length]
            : name;
        WriteAscii("# HELP ");
        WriteAscii(familyName);
        WriteByte((byte)' ');
        WriteEscaped(help, escapeQuotes: OpenMetrics);
        WriteAscii("\n# TYPE ");
        WriteAscii(familyName);
        WriteAscii(type switch
        {
            MetricType.Counter => " counter\n",
            MetricType.Gauge => " gauge\n",
            _ => " histogram\n",
        });
    }

    /// <summary>
    /// Writes one sample line <c>name{labels} value</c>. In protobuf the sample becomes one metric of the family the
    /// last <see cref="WriteHeader"/> opened, its labels read back from <paramref name="encodedLabels"/>.
    /// </summary>
    public void WriteSample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> encodedLabels, double value)
    {
        if (Format == ExpositionFormat.Protobuf)
        {
            _protobuf!.WriteScalar(ProtobufExposition.LabelPairsFromText(encodedLabels), value);
            return;
        }

        Write(name);
        Write(encodedLabels);
        WriteByte((byte)' ');
        WriteNumber(value);
        WriteByte((byte)'\n');
    }

    /// <summary>Writes one sample line with a whole-number value.</summary>
    public void WriteSample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> encodedLabels, long value)
    {
        if (Format == ExpositionFormat.Protobuf)
        {
            _protobuf!.WriteScalar(ProtobufExposition.LabelPairsFromText(encodedLabels), value);
            return;
        }

        Write(name);
        Write(encodedLabels);
        WriteByte((byte)' ');
        WriteNumber(value);
        WriteByte((byte)'\n');
    }

    /// <summary>Writes the end marker (OpenMetrics), or closes the last family (protobuf).</summary>
    public void WriteEnd()
    {
        if (Format == ExpositionFormat.Protobuf)
        {
            _protobuf!.EndFamily();
        }
        else if (OpenMetrics)
        {
            WriteAscii("# EOF\n");
        }
    }

    internal byte[] NameBytes(MetricFamily family)
    {
        if (!_names.TryGetValue(family, out var bytes))
        {
            bytes = Encoding.UTF8.GetBytes(family.Name);
            _names[family] = bytes;
        }

        return bytes;
    }

    /// <summary>One counter or gauge series, its labels already encoded for every format.</summary>
    internal void WriteSeries(byte[] name, Series series, double value)
    {
        if (Format == ExpositionFormat.Protobuf)
        {
            _protobuf!.WriteScalar(series.EncodedLabelPairs, value);
        }
        else
        {
            WriteSample(name, series.EncodedLabels, value);
        }
    }

    /// <summary>One counter series with a whole-number value (written as an integer in text).</summary>
    internal void WriteSeries(byte[] name, Series series, long value)
    {
        if (Format == ExpositionFormat.Protobuf)
        {
            _protobuf!.WriteScalar(series.EncodedLabelPairs, value);
        }
        else
        {
            WriteSample(name, series.EncodedLabels, value);
        }
    }

    internal void WriteHistogram(MetricFamily family, Histogram histogram) => WriteHistogramOf(NameBytes(family), histogram);

    internal void WriteHistogramOf(byte[] name, Histogram histogram)
    {
        if (Format == ExpositionFormat.Protobuf)
        {
            // Exemplars go with the classic buckets, as the protobuf format carries them.
            _protobuf!.WriteHistogram(histogram, histogram.Exemplars);
            return;
        }

        var prefixes = OpenMetrics ? histogram.EncodedOpenMetricsBucketPrefixes : histogram.EncodedBucketPrefixes;
        Span<long> cumulative = stackalloc long[prefixes.Length];
        histogram.CopyCumulative(cumulative, out var sum);
        var exemplars = OpenMetrics ? histogram.Exemplars : null;
        for (var i = 0; i < prefixes.Length; i++)
        {
            Write(prefixes[i]);
            WriteNumber(cumulative[i]);
            if (exemplars is not null && exemplars.TryRead(i, out var exemplar))
            {
                WriteExemplar(exemplar);
            }

            WriteByte((byte)'\n');
        }

        Write(name);
        WriteAscii("_sum");
        Write(histogram.EncodedLabels);
        WriteByte((byte)' ');
        WriteNumber(sum);
        WriteByte((byte)'\n');
        Write(name);
        WriteAscii("_count");
        Write(histogram.EncodedLabels);
        WriteByte((byte)' ');
        WriteNumber(cumulative[^1]);
        WriteByte((byte)'\n');
    }

    /// <summary>
    /// Appends <c> # {trace_id="…",span_id="…"} value timestamp</c> to a bucket line. The ids are W3C hex, so they need
    /// no escaping; an exemplar over OpenMetrics' 128-character label-set limit is left out rather than cut.
    /// </summary>
    private void WriteExemplar(in Exemplar exemplar)
    {
        if (exemplar.LabelSetCharacters > Exemplar.MaxLabelSetCharacters)
        {
            return;
        }

        WriteAscii(" # {trace_id=\"");
        WriteAscii(exemplar.TraceId);
        WriteAscii("\",span_id=\"");
        WriteAscii(exemplar.SpanId);
        WriteAscii("\"} ");
        WriteNumber(exemplar.Value);
        WriteByte((byte)' ');
        WriteNumber(exemplar.UnixMilliseconds / 1000);
        WriteByte((byte)'.');
        var millis = exemplar.UnixMilliseconds % 1000;
        WriteByte((byte)('0' + (millis / 100)));
        WriteByte((byte)('0' + (millis / 10 % 10)));
        WriteByte((byte)('0' + (millis % 10)));
    }

    /// <summary>UTF-8 of <c>{a="x",b="y"}</c>, or nothing when there are no labels.</summary>
    public static byte[] EncodeLabels(IReadOnlyList<string> names, IReadOnlyList<string> values)
    {
        if (names.Count == 0)
        {
            return [];
        }

        var builder = new StringBuilder("{");
        AppendPairs(builder, names, values);
        return Encoding.UTF8.GetBytes(builder.Append('}').ToString());
    }

    /// <summary>
    /// The start of each bucket line, <c>name_bucket{labels,le="x"} </c>, in both text spellings of the bound: the text
    /// format's (shortest round-trip, <c>le="1"</c>, what Prometheus 2 has always stored) and OpenMetrics' canonical one
    /// (<c>le="1.0"</c>, see <see cref="FormatCanonical"/>). A bound spelled alike in both shares one array, so most
    /// cost nothing twice. Made once per series, when it is created, never on a scrape.
    /// </summary>
    internal static (byte[][] Text, byte[][] OpenMetrics) EncodeBucketPrefixes(string name, IReadOnlyList<string> names, IReadOnlyList<string> values, IReadOnlyList<double> bounds)
    {
        var builder = new StringBuilder(name).Append("_bucket{");
        AppendPairs(builder, names, values);
        if (names.Count > 0)
        {
            builder.Append(',');
        }

        var start = builder.Append("le=\"").ToString();
        var text = new byte[bounds.Count + 1][];
        var openMetrics = new byte[bounds.Count + 1][];
        for (var i = 0; i <= bounds.Count; i++)
        {
            var plain = i < bounds.Count ? FormatDouble(bounds[i]) : "+Inf";
            var canonical = i < bounds.Count ? FormatCanonical(bounds[i]) : "+Inf";
            text[i] = Encoding.UTF8.GetBytes(start + plain + "\"} ");
            openMetrics[i] = canonical == plain ? text[i] : Encoding.UTF8.GetBytes(start + canonical + "\"} ");
        }

        return (text, openMetrics);
    }

    /// <summary>Formats a number the way Prometheus reads it: shortest round-trip form, +Inf, -Inf, NaN.</summary>
    public static string FormatDouble(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// OpenMetrics' canonical spelling of a number, required for <c>le</c> and <c>quantile</c> label values: what Go's
    /// <c>strconv.FormatFloat(v, 'g', -1, 64)</c> writes, with <c>.0</c> added to a whole number — <c>1.0</c>,
    /// <c>0.005</c>, <c>300.0</c>, <c>1e-05</c>, <c>1e+06</c>, <c>+Inf</c>. Prometheus 3 stores every bucket bound in this
    /// spelling whatever the format; Prometheus 2 keeps what it read, so the text format stays with
    /// <see cref="FormatDouble"/> (<c>1</c>) and rules match both (<c>le=~"1(\\.0)?"</c>).
    /// </summary>
    public static string FormatCanonical(double value)
    {
        if (!double.IsFinite(value))
        {
            return FormatDouble(value);
        }

        if (value == 0)
        {
            return "0.0";
        }

        // The shortest round-trip digits and where the decimal point goes (value = 0.digits × 10^point), read from
        // .NET's own shortest form, which may be plain ("0.0001", "123.5") or exponential ("1E-05", "1.5E+20").
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var e = shortest.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? shortest : shortest[..e];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var all = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var point = (dot < 0 ? mantissa.Length : dot) + (e < 0 ? 0 : int.Parse(shortest.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        var digits = all.TrimStart('0');
        point -= all.Length - digits.Length;
        digits = digits.TrimEnd('0');

        var result = new StringBuilder(value < 0 ? "-" : string.Empty);
        var exponent = point - 1;
        if (exponent < -4 || exponent >= 6)
        {
            // Go's %e: one digit, the rest after a point, and an exponent of at least two digits with its sign.
            result.Append(digits[0]);
            if (digits.Length > 1)
            {
                result.Append('.').Append(digits, 1, digits.Length - 1);
            }

            return result.Append(exponent < 0 ? "e-" : "e+").Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture)).ToString();
        }

        if (point <= 0)
        {
            return result.Append("0.").Append('0', -point).Append(digits).ToString();
        }

        if (point >= digits.Length)
        {
            return result.Append(digits).Append('0', point - digits.Length).Append(".0").ToString();
        }

        return result.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point).ToString();
    }

    private static void AppendPairs(StringBuilder builder, IReadOnlyList<string> names, IReadOnlyList<string> values)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(names[i]).Append("=\"");
            foreach (var c in values[i])
            {
                _ = c switch
                {
                    '\\' => builder.Append("\\\\"),
                    '"' => builder.Append("\\\""),
                    '\n' => builder.Append("\\n"),
                    _ => builder.Append(c),
                };
            }

            builder.Append('"');
        }
    }

    private void WriteNumber(long value)
    {
        var span = _buffer.GetSpan(24);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        _buffer.Advance(written);
    }

    private void WriteNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            WriteAscii(FormatDouble(value));
            return;
        }

        var span = _buffer.GetSpan(32);
        value.TryFormat(span, out var written, "R", CultureInfo.InvariantCulture);
        _buffer.Advance(written);
    }

    private void WriteEscaped(string text, bool escapeQuotes)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '\\':
                    WriteAscii("\\\\");
                    break;
                case '\n':
                    WriteAscii("\\n");
                    break;
                case '"' when escapeQuotes:
                    WriteAscii("\\\"");
                    break;
                default:
                    var span = _buffer.GetSpan(4);
                    var written = rune.EncodeToUtf8(span);
                    _buffer.Advance(written);
                    break;
            }
        }
    }

    private void WriteAscii(string text)
    {
        var span = _buffer.GetSpan(text.Length);
        var written = Encoding.UTF8.GetBytes(text, span);
        _buffer.Advance(written);
    }

    private void Write(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    private void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }
}
