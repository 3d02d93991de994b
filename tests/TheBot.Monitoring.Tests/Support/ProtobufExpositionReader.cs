using Google.Protobuf;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>
/// Reads the Prometheus protobuf exposition (varint-delimited <c>io.prometheus.client.MetricFamily</c>) with
/// Google.Protobuf's <see cref="CodedInputStream"/>, field by field as client_model's metrics.proto numbers them, so
/// the library's hand-written encoder is checked by an independent decoder. Unknown fields fail the read: the encoder
/// must write nothing the schema does not define.
/// </summary>
internal static class ProtobufExpositionReader
{
    public static List<PbFamily> Read(byte[] body)
    {
        var families = new List<PbFamily>();
        var input = new CodedInputStream(body);
        while (!input.IsAtEnd)
        {
            families.Add(ReadFamily(input.ReadBytes()));
        }

        return families;
    }

    /// <summary>Calls <paramref name="field"/> for each field of one message, with its number and tag.</summary>
    private static T Parse<T>(ByteString bytes, T target, Action<T, CodedInputStream, int, uint> field)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            field(target, input, WireFormat.GetTagFieldNumber(tag), tag);
        }

        return target;
    }

    private static InvalidDataException Unknown(string message, int number) => new($"{message} has no field {number}");

    private static PbFamily ReadFamily(ByteString bytes) => Parse(bytes, new PbFamily(), (family, input, number, _) =>
    {
        switch (number)
        {
            case 1: family.Name = input.ReadString(); break;
            case 2: family.Help = input.ReadString(); break;
            case 3: family.Type = input.ReadEnum(); break;
            case 4: family.Metrics.Add(ReadMetric(input.ReadBytes())); break;
            default: throw Unknown("MetricFamily", number);
        }
    });

    private static PbMetric ReadMetric(ByteString bytes) => Parse(bytes, new PbMetric(), (metric, input, number, _) =>
    {
        switch (number)
        {
            case 1: AddLabel(metric.Labels, input.ReadBytes()); break;
            case 2: metric.Gauge = ReadValue(input.ReadBytes()); break;
            case 3: metric.Counter = ReadValue(input.ReadBytes()); break;
            case 7: metric.Histogram = ReadHistogram(input.ReadBytes()); break;
            default: throw Unknown("Metric", number);
        }
    });

    private static void AddLabel(Dictionary<string, string> labels, ByteString bytes)
    {
        var pair = Parse(bytes, new string[2], (pair, input, number, _) =>
            pair[number is 1 or 2 ? number - 1 : throw Unknown("LabelPair", number)] = input.ReadString());
        labels[pair[0]] = pair[1];
    }

    private static double ReadValue(ByteString bytes) =>
        Parse(bytes, new double[1], (value, input, number, _) => value[0] = number == 1 ? input.ReadDouble() : throw Unknown("Counter/Gauge", number))[0];

    private static PbHistogram ReadHistogram(ByteString bytes) => Parse(bytes, new PbHistogram(), (histogram, input, number, tag) =>
    {
        switch (number)
        {
            case 1: histogram.Count = input.ReadUInt64(); break;
            case 2: histogram.Sum = input.ReadDouble(); break;
            case 3: histogram.Buckets.Add(ReadBucket(input.ReadBytes())); break;
            case 5: histogram.Schema = input.ReadSInt32(); break;
            case 6: histogram.ZeroThreshold = input.ReadDouble(); break;
            case 7: histogram.ZeroCount = input.ReadUInt64(); break;
            case 12: histogram.PositiveSpans.Add(ReadSpan(input.ReadBytes())); break;
            case 13:
                // proto2 declares the deltas unpacked: one tagged varint each.
                histogram.PositiveDeltas.Add(WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint
                    ? input.ReadSInt64()
                    : throw new InvalidDataException("positive_delta should be unpacked"));
                break;
            default: throw Unknown("Histogram", number);
        }
    });

    private static PbBucket ReadBucket(ByteString bytes) => Parse(bytes, new PbBucket(), (bucket, input, number, _) =>
    {
        switch (number)
        {
            case 1: bucket.CumulativeCount = input.ReadUInt64(); break;
            case 2: bucket.UpperBound = input.ReadDouble(); break;
            case 3: bucket.Exemplar = ReadExemplar(input.ReadBytes()); break;
            default: throw Unknown("Bucket", number);
        }
    });

    private static PbExemplar ReadExemplar(ByteString bytes) => Parse(bytes, new PbExemplar(), (exemplar, input, number, _) =>
    {
        switch (number)
        {
            case 1: AddLabel(exemplar.Labels, input.ReadBytes()); break;
            case 2: exemplar.Value = input.ReadDouble(); break;
            case 3:
                exemplar.UnixMilliseconds = Parse(input.ReadBytes(), new long[1], (ms, timestamp, field, _) =>
                    ms[0] += field == 1 ? timestamp.ReadInt64() * 1000 : timestamp.ReadInt32() / 1_000_000)[0];
                break;
            default: throw Unknown("Exemplar", number);
        }
    });

    private static (int Offset, uint Length) ReadSpan(ByteString bytes)
    {
        var span = Parse(bytes, new long[2], (span, input, number, _) =>
            span[number is 1 or 2 ? number - 1 : throw Unknown("BucketSpan", number)] = number == 1 ? input.ReadSInt32() : input.ReadUInt32());
        return ((int)span[0], (uint)span[1]);
    }
}

internal sealed class PbFamily
{
    public string Name { get; set; } = "";

    public string Help { get; set; } = "";

    /// <summary>metrics.proto MetricType: COUNTER 0, GAUGE 1, HISTOGRAM 4.</summary>
    public int Type { get; set; } = -1;

    public List<PbMetric> Metrics { get; } = [];
}

internal sealed class PbMetric
{
    public Dictionary<string, string> Labels { get; } = [];

    public double? Counter { get; set; }

    public double? Gauge { get; set; }

    public PbHistogram? Histogram { get; set; }
}

internal sealed class PbHistogram
{
    public ulong Count { get; set; }

    public double Sum { get; set; }

    public List<PbBucket> Buckets { get; } = [];

    public int? Schema { get; set; }

    public double ZeroThreshold { get; set; }

    public ulong ZeroCount { get; set; }

    public List<(int Offset, uint Length)> PositiveSpans { get; } = [];

    public List<long> PositiveDeltas { get; } = [];

    /// <summary>The positive buckets as absolute (key, count) pairs, spans and deltas undone (zero-filled gaps included).</summary>
    public List<(int Key, long Count)> PositiveBuckets()
    {
        var result = new List<(int, long)>();
        var deltas = 0;
        var key = 0;
        long count = 0;
        for (var s = 0; s < PositiveSpans.Count; s++)
        {
            key = s == 0 ? PositiveSpans[s].Offset : key + PositiveSpans[s].Offset;
            for (var i = 0; i < PositiveSpans[s].Length; i++)
            {
                count += PositiveDeltas[deltas++];
                result.Add((key, count));
                key++;
            }
        }

        if (deltas != PositiveDeltas.Count)
        {
            throw new InvalidDataException($"{PositiveDeltas.Count} deltas for {deltas} buckets in spans");
        }

        return result;
    }
}

internal sealed class PbBucket
{
    public ulong CumulativeCount { get; set; }

    public double UpperBound { get; set; }

    public PbExemplar? Exemplar { get; set; }
}

internal sealed class PbExemplar
{
    public Dictionary<string, string> Labels { get; } = [];

    public double Value { get; set; }

    public long UnixMilliseconds { get; set; }
}
