using System.Buffers;
using System.Buffers.Binary;
using Montage.Grpc.Protocol;

namespace Montage.AssetStorage.Upload;

/// <summary>
/// Recognises a gRPC message that is exactly one <c>UploadRequest.chunk</c> (field 2, length-delimited) without
/// parsing it, so that its bytes can go to the file straight from the transport's buffers: protobuf parsing would copy
/// every chunk into a fresh large-object-heap array, which cost the service a copy, page faults and background garbage
/// collections per megabyte. Anything else (compressed, other fields, unknown fields, a malformed length) is left to
/// the ordinary parser, which also reports the errors.
/// </summary>
internal static class ChunkFrame
{
    private const int MessageHeaderSize = 5;

    // Field 2 of UploadRequest with wire type 2 (length-delimited): (2 << 3) | 2.
    private const byte ChunkTag = 0x12;

    /// <summary>
    /// True when <paramref name="buffer"/> starts with a whole, uncompressed gRPC message of at most
    /// <paramref name="maxMessageSize"/> bytes that holds one chunk field and nothing else.
    /// </summary>
    public static bool TryRead(ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> chunk, out SequencePosition end)
    {
        chunk = default;
        end = default;
        Span<byte> prefix = stackalloc byte[MessageHeaderSize + 1 + 5];
        var available = (int)Math.Min(buffer.Length, prefix.Length);
        if (available < MessageHeaderSize + 2)
        {
            return false;
        }

        prefix = prefix[..available];
        buffer.Slice(0, available).CopyTo(prefix);
        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
        if (prefix[0] != 0 || length > (uint)maxMessageSize || buffer.Length < MessageHeaderSize + length || prefix[MessageHeaderSize] != ChunkTag)
        {
            return false;
        }

        if (!BytesFieldMessage.TryReadVarint(prefix[(MessageHeaderSize + 1)..], out var chunkLength, out var varintSize))
        {
            return false;
        }

        var fieldHeader = 1 + varintSize;
        if (chunkLength != length - (ulong)fieldHeader)
        {
            return false;
        }

        var message = buffer.Slice(MessageHeaderSize, length);
        chunk = message.Slice(fieldHeader);
        end = message.End;
        return true;
    }
}
