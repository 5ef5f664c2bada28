namespace Montage.Grpc.Protocol;

/// <summary>
/// The protobuf encoding of a message that holds exactly one length-delimited field (a <c>bytes</c> field), e.g. one
/// chunk of a file transfer: the field's tag, its length, its bytes. Recognising and writing that shape directly lets
/// a transfer move the bytes without materialising a message (a parse copies them into a fresh array, a serialisation
/// copies them into the frame).
/// </summary>
public static class BytesFieldMessage
{
    /// <summary>The largest prefix: a tag of up to 5 bytes and a length of up to 5 bytes.</summary>
    public const int MaxPrefixSize = 10;

    private const int LengthDelimited = 2;

    /// <summary>
    /// Writes the tag and length of field <paramref name="fieldNumber"/> holding <paramref name="length"/> bytes into
    /// <paramref name="destination"/> (at least <see cref="MaxPrefixSize"/> bytes); returns the bytes written.
    /// </summary>
    public static int WritePrefix(Span<byte> destination, int fieldNumber, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fieldNumber, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var written = WriteVarint(destination, ((uint)fieldNumber << 3) | LengthDelimited);
        return written + WriteVarint(destination[written..], (uint)length);
    }

    /// <summary>
    /// True when <paramref name="message"/> (protobuf bytes, uncompressed) is exactly field <paramref name="fieldNumber"/>
    /// as one length-delimited value and nothing else; <paramref name="payloadOffset"/> is where its bytes start.
    /// </summary>
    public static bool TryGetPayload(ReadOnlySpan<byte> message, int fieldNumber, out int payloadOffset)
    {
        payloadOffset = 0;
        if (fieldNumber < 1
            || !TryReadVarint(message, out var tag, out var tagSize)
            || tag != (((ulong)(uint)fieldNumber << 3) | LengthDelimited)
            || !TryReadVarint(message[tagSize..], out var length, out var lengthSize))
        {
            return false;
        }

        payloadOffset = tagSize + lengthSize;
        return length == (ulong)(message.Length - payloadOffset);
    }

    private static int WriteVarint(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>
    /// Reads a protobuf varint of at most five bytes (a 32-bit length or tag) from the start of <paramref name="bytes"/>;
    /// false when it is cut short or longer.
    /// </summary>
    public static bool TryReadVarint(ReadOnlySpan<byte> bytes, out ulong value, out int size)
    {
        value = 0;
        for (size = 0; size < bytes.Length && size < 5; size++)
        {
            var b = bytes[size];
            value |= (ulong)(b & 0x7F) << (7 * size);
            if ((b & 0x80) == 0)
            {
                size++;
                return true;
            }
        }

        return false;
    }
}
