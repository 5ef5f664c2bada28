using System.Collections.Frozen;
using Google.Protobuf;
using Montage.Contracts.Assets.V1;
using Montage.Gateway.Forwarding;
using Montage.Grpc;

namespace Montage.Gateway.Tests.Forwarding;

public sealed class LaterMessageScannerUnitTests
{
    private static LaterMessageScanner UploadScanner() => new(FrozenSet.ToFrozenSet([1]), "montage.assets.v1.AssetStore.Upload", "chunk");

    private static byte[] Frame(IMessage message) => GrpcFrames.Frame(message.ToByteArray());

    private static byte[] Chunk(int size) => Frame(new UploadRequest { Chunk = ByteString.CopyFrom(new byte[size]) });

    /// <summary>Scans <paramref name="stream"/> cut into pieces of <paramref name="pieceSize"/> bytes, then its end.</summary>
    private static GrpcRefusal? ScanInPieces(byte[] stream, int pieceSize)
    {
        var scanner = UploadScanner();
        for (var offset = 0; offset < stream.Length; offset += pieceSize)
        {
            if (scanner.Scan(stream.AsSpan(offset, Math.Min(pieceSize, stream.Length - offset))) is { } refusal)
            {
                return refusal;
            }
        }

        return scanner.End();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public void Chunk_messages_pass_however_the_reads_split_them(int pieceSize)
    {
        byte[] stream = [.. Chunk(0), .. Chunk(1), .. Chunk(300), .. Chunk(70_000), .. Frame(new UploadRequest()), .. Chunk(5)];

        Assert.Null(ScanInPieces(stream, pieceSize));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(64)]
    public void A_later_metadata_message_is_invalid_argument_wherever_it_falls(int pieceSize)
    {
        byte[] stream = [.. Chunk(100), .. Frame(new UploadRequest { Metadata = new UploadMetadata { Owner = "victim" } }), .. Chunk(10)];

        var refusal = ScanInPieces(stream, pieceSize);

        Assert.NotNull(refusal);
        Assert.Equal(StatusCode.InvalidArgument, refusal.Code);
        Assert.Contains("chunk only", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_metadata_field_after_a_chunk_in_the_same_message_is_refused()
    {
        // Protobuf keeps the last of a oneof's fields: a chunk followed by metadata in one message parses as metadata.
        byte[] payload = [.. new UploadRequest { Chunk = ByteString.CopyFromUtf8("abc") }.ToByteArray(), .. new UploadRequest { Metadata = new UploadMetadata { Owner = "victim" } }.ToByteArray()];

        var refusal = ScanInPieces(GrpcFrames.Frame(payload), 1);

        Assert.Equal(StatusCode.InvalidArgument, refusal?.Code);
    }

    [Fact]
    public void Unknown_fields_that_cannot_name_an_owner_pass()
    {
        // Field 3 as a varint, field 4 as fixed64, field 5 as fixed32, field 6 length-delimited, then a chunk.
        byte[] payload = [0x18, 0x96, 0x01, 0x21, 1, 2, 3, 4, 5, 6, 7, 8, 0x2d, 1, 2, 3, 4, 0x32, 2, 0xaa, 0xbb, 0x12, 1, 0x42];

        Assert.Null(ScanInPieces(GrpcFrames.Frame(payload), 1));
    }

    [Theory]
    [InlineData("0200000000", StatusCode.Internal)]
    [InlineData("0100000000", StatusCode.Unimplemented)]
    [InlineData("000000", StatusCode.Internal)]
    [InlineData("00000000031201", StatusCode.Internal)]
    [InlineData("000000000212ff", StatusCode.Internal)]
    [InlineData("0000000002120a", StatusCode.Internal)]
    [InlineData("00000000010a", StatusCode.InvalidArgument)]
    [InlineData("000000000100", StatusCode.Internal)]
    [InlineData("00000000011b", StatusCode.Internal)]
    [InlineData("00000000011e", StatusCode.Internal)]
    [InlineData("000000000b" + "18ffffffffffffffffffff", StatusCode.Internal)]
    public void Broken_frames_get_the_status_a_grpc_server_would_give(string hex, StatusCode expected)
    {
        foreach (var pieceSize in new[] { 1, 3, 1024 })
        {
            var refusal = ScanInPieces(Convert.FromHexString(hex), pieceSize);

            Assert.NotNull(refusal);
            Assert.Equal(expected, refusal.Code);
        }
    }
}
