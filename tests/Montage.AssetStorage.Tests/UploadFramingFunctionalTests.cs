using Google.Protobuf;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;
using Montage.Grpc.Client;

namespace Montage.AssetStorage.Tests;

/// <summary>
/// Upload chunks are written straight from the received buffers when they are plain chunk messages and parsed
/// otherwise: every framing a client may use stores the same bytes, and a message over the size limit is refused.
/// </summary>
[Collection(AssetStorageCollection.Name)]
public sealed class UploadFramingFunctionalTests(AssetStorageFixture fixture)
{
    private AssetStoreClient Client => fixture.Client;

    [Fact]
    public async Task Chunks_of_every_size_arrive_intact()
    {
        var owner = AssetStorageFixture.NewOwner();
        byte[][] chunks = [[], TestMedia.Random(1), TestMedia.Random(70_000), TestMedia.Random((1024 * 1024) + 3), [], TestMedia.Random(4096)];
        var bytes = chunks.SelectMany(c => c).ToArray();

        var asset = await Client.UploadRawAsync(
            [new UploadRequest { Metadata = AssetStoreClient.Metadata(owner, "pieces.bin") }, .. chunks.Select(c => new UploadRequest { Chunk = ByteString.CopyFrom(c) })]);

        Assert.Equal(TestMedia.Sha256(bytes), asset.Sha256);
        Assert.Equal(bytes.Length, asset.SizeBytes);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(fixture.BlobPath(asset.Sha256)));
    }

    [Fact]
    public async Task Compressed_chunks_are_parsed_and_stored_decompressed()
    {
        var owner = AssetStorageFixture.NewOwner();
        using var channel = GrpcChannel.ForAddress(fixture.App.GetEndpoint(AssetStorageFixture.ServiceName, "grpc"), new GrpcChannelOptions { CompressionEncoding = "gzip" });
        var gzipClient = new AssetStoreClient(channel);

        // Half random, half zeros: the compressed messages differ in size from the chunks they carry.
        byte[] bytes = [.. TestMedia.Random(1_500_000), .. new byte[1_500_000]];
        var asset = await gzipClient.UploadAsync(AssetStoreClient.Metadata(owner, "gzip.bin"), new MemoryStream(bytes), chunkBytes: 1024 * 1024);

        Assert.Equal(TestMedia.Sha256(bytes), asset.Sha256);
        Assert.Equal(bytes, await Client.DownloadBytesAsync(asset.Id, owner));
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_refused_and_leaves_nothing()
    {
        var owner = AssetStorageFixture.NewOwner();
        var tooLarge = TestMedia.Random((4 * 1024 * 1024) + 1);

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.UploadRawAsync(
            new UploadRequest { Metadata = AssetStoreClient.Metadata(owner) },
            new UploadRequest { Chunk = ByteString.CopyFrom(TestMedia.Random(1000)) },
            new UploadRequest { Chunk = ByteString.CopyFrom(tooLarge) }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(0, await fixture.ScalarAsync("SELECT count(*) FROM assets WHERE owner = @o", ("o", owner)));
        Assert.Empty(Directory.Exists(fixture.TempDir) ? Directory.GetFiles(fixture.TempDir) : []);
    }
}
