using System.Buffers.Binary;
using System.Text;

namespace TheBot.Monitoring.Metrics;

/// <summary>
/// A growable byte buffer that writes the protocol buffers wire format: varints, zig-zag integers, little-endian
/// doubles, strings and nested (length-delimited) messages. Just what client_model's metrics.proto needs, so the
/// library does not depend on Google.Protobuf or generated code (docs/adr/0007-native-histograms.md). A nested message
/// reserves one byte for its length and, when it ends longer than 127 bytes, moves its body up by the extra length
/// bytes: one short memmove per large message instead of computing every size twice.
/// </summary>
internal sealed class ProtobufBuffer(int initialCapacity = 16 * 1024)
{
    private const int VarintWire = 0;
    private const int Fixed64Wire = 1;
    private const int LengthDelimitedWire = 2;

    private byte[] _bytes = new byte[initialCapacity];
    private int _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _bytes.AsMemory(0, _length);

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>Forgets what was written, keeping the memory.</summary>
    public void Reset() => _length = 0;

    /// <summary>Drops everything written after <paramref name="length"/> (a message that turned out empty).</summary>
    public void Truncate(int length) => _length = length;

    public void WriteUInt64(int field, ulong value)
    {
        WriteTag(field, VarintWire);
        WriteVarint(value);
    }

    public void WriteEnum(int field, int value) => WriteUInt64(field, (ulong)value);

    /// <summary>A <c>sint32</c>/<c>sint64</c> field: zig-zag, so small negative numbers stay one byte.</summary>
    public void WriteSInt64(int field, long value) => WriteUInt64(field, (ulong)((value << 1) ^ (value >> 63)));

    public void WriteDouble(int field, double value)
    {
        WriteTag(field, Fixed64Wire);
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_bytes.AsSpan(_length), value);
        _length += 8;
    }

    public void WriteString(int field, string value)
    {
        WriteTag(field, LengthDelimitedWire);
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)byteCount);
        Ensure(byteCount);
        _length += Encoding.UTF8.GetBytes(value, _bytes.AsSpan(_length));
    }

    /// <summary>Copies bytes that are already encoded fields (e.g. a series' label pairs, encoded once).</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_bytes.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Starts a nested message in <paramref name="field"/>; pass the result to <see cref="EndMessage"/>.</summary>
    public int BeginMessage(int field)
    {
        WriteTag(field, LengthDelimitedWire);
        return BeginDelimited();
    }

    /// <summary>Starts a length-prefixed message with no tag (the "delimited" stream of the exposition).</summary>
    public int BeginDelimited()
    {
        Ensure(1);
        return _length++;
    }

    /// <summary>Writes the length of the message begun at <paramref name="mark"/> in front of its body.</summary>
    public void EndMessage(int mark)
    {
        var bodyStart = mark + 1;
        var bodyLength = _length - bodyStart;
        var prefix = VarintSize((ulong)bodyLength);
        if (prefix > 1)
        {
            Ensure(prefix - 1);
            _bytes.AsSpan(bodyStart, bodyLength).CopyTo(_bytes.AsSpan(mark + prefix));
            _length += prefix - 1;
        }

        var at = mark;
        var value = (ulong)bodyLength;
        while (value >= 0x80)
        {
            _bytes[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _bytes[at] = (byte)value;
    }

    /// <summary>The encoding of repeated <c>LabelPair</c> fields of a <c>Metric</c> (field 1), made once per series.</summary>
    public static byte[] EncodeLabelPairs(IReadOnlyList<string> names, IReadOnlyList<string> values, int field = 1)
    {
        if (names.Count == 0)
        {
            return [];
        }

        var buffer = new ProtobufBuffer(64 * names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            var pair = buffer.BeginMessage(field);
            buffer.WriteString(1, names[i]);
            buffer.WriteString(2, values[i]);
            buffer.EndMessage(pair);
        }

        return buffer.WrittenMemory.ToArray();
    }

    private static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private void WriteTag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _bytes[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _bytes[_length++] = (byte)value;
    }

    private void Ensure(int more)
    {
        if (_length + more > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + more));
        }
    }
}
