using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Montage.AssetStorage.Upload;
using Montage.Contracts.Assets.V1;
using Montage.Grpc.Testing;

namespace Montage.AssetStorage.Tests;

/// <summary>Which received gRPC messages the upload may write straight from the network buffers, and which it must parse.</summary>
public sealed class ChunkFrameUnitTests
{
    private const int MaxMessageSize = 4 * 1024 * 1024;

    private static byte[] Frame(IMessage message, byte compressedFlag = 0)
    {
        var payload = message.ToByteArray();
        return Frame(payload, compressedFlag);
    }

    private static byte[] Frame(byte[] payload, byte compressedFlag = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressedFlag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    private static UploadRequest Chunk(byte[] bytes) => new() { Chunk = ByteString.CopyFrom(bytes) };

    /// <summary>A sequence of many small segments, as a network buffer made of pool blocks looks.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        SequenceSegment? first = null;
        SequenceSegment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += segmentSize)
        {
            var piece = bytes.AsMemory(offset, Math.Min(segmentSize, bytes.Length - offset));
            last = last is null ? first = new SequenceSegment(piece, 0) : last.Append(piece);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(70_000)]
    [InlineData(1024 * 1024)]
    public void A_chunk_message_is_recognised_with_its_exact_bytes(int size)
    {
        var bytes = TestMedia.Random(size);
        var next = Frame(Chunk([1, 2, 3]));
        byte[] received = [.. Frame(Chunk(bytes)), .. next];

        foreach (var buffer in new[] { new ReadOnlySequence<byte>(received), Segmented(received, 4096), Segmented(received, 3) })
        {
            Assert.True(ChunkFrame.TryRead(buffer, MaxMessageSize, out var chunk, out var end));
            Assert.Equal(bytes, chunk.ToArray());
            Assert.Equal(next, buffer.Slice(end).ToArray());
        }
    }

    [Fact]
    public void An_incomplete_message_waits_for_more()
    {
        var frame = Frame(Chunk(TestMedia.Random(10_000)));
        Assert.False(ChunkFrame.TryRead(new ReadOnlySequence<byte>(frame, 0, frame.Length - 1), MaxMessageSize, out _, out _));
        Assert.False(ChunkFrame.TryRead(new ReadOnlySequence<byte>(frame, 0, 6), MaxMessageSize, out _, out _));
        Assert.False(ChunkFrame.TryRead(ReadOnlySequence<byte>.Empty, MaxMessageSize, out _, out _));
    }

    [Fact]
    public void Anything_but_one_plain_chunk_is_left_to_the_parser()
    {
        var bytes = TestMedia.Random(1000);
        Assert.False(ChunkFrame.TryRead(new(Frame(Chunk(bytes), compressedFlag: 1)), MaxMessageSize, out _, out _));
        Assert.False(ChunkFrame.TryRead(new(Frame(new UploadRequest { Metadata = new UploadMetadata { Owner = "o" } })), MaxMessageSize, out _, out _));
        Assert.False(ChunkFrame.TryRead(new(Frame(new UploadRequest())), MaxMessageSize, out _, out _));
        Assert.False(ChunkFrame.TryRead(new(Frame(Chunk(bytes))), maxMessageSize: 1000, out _, out _));

        // A chunk followed by an unknown field (field 15, varint 1): valid protobuf, but not only a chunk.
        byte[] withUnknownField = [.. Chunk(bytes).ToByteArray(), 0x78, 0x01];
        Assert.False(ChunkFrame.TryRead(new(Frame(withUnknownField)), MaxMessageSize, out _, out _));

        // Two chunk fields in one message (the last one wins when parsed).
        byte[] twoChunks = [.. Chunk(bytes).ToByteArray(), .. Chunk([9]).ToByteArray()];
        Assert.False(ChunkFrame.TryRead(new(Frame(twoChunks)), MaxMessageSize, out _, out _));

        // A declared chunk length that does not match the message length.
        byte[] shortLength = [0x12, 0x02, 0xAA];
        Assert.False(ChunkFrame.TryRead(new(Frame(shortLength)), MaxMessageSize, out _, out _));
    }

    [Fact]
    public void A_non_minimal_length_encoding_is_still_a_chunk()
    {
        // Length 3 written as a two-byte varint (0x83 0x00): unusual but valid protobuf.
        byte[] payload = [0x12, 0x83, 0x00, 7, 8, 9];
        Assert.Equal([7, 8, 9], UploadRequest.Parser.ParseFrom(payload).Chunk.ToByteArray());
        Assert.True(ChunkFrame.TryRead(new(Frame(payload)), MaxMessageSize, out var chunk, out _));
        Assert.Equal([7, 8, 9], chunk.ToArray());
    }
}
