using Google.Protobuf;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;

namespace Montage.AssetStorage.Tests;

/// <summary>Bad uploads are refused with precise statuses and leave no temp file, no blob and no row behind.</summary>
[Collection(AssetStorageCollection.Name)]
public sealed class ValidationFunctionalTests(AssetStorageFixture fixture)
{
    private AssetStoreClient Client => fixture.Client;

    private async Task AssertRefusedAsync(StatusCode expected, string owner, Func<Task> upload, byte[]? bytes = null)
    {
        var error = await Assert.ThrowsAsync<RpcException>(upload);
        Assert.Equal(expected, error.StatusCode);
        Assert.Equal(0, await fixture.ScalarAsync("SELECT count(*) FROM assets WHERE owner = @o", ("o", owner)));
        Assert.Empty(Directory.Exists(fixture.TempDir) ? Directory.GetFiles(fixture.TempDir) : []);
        if (bytes is not null)
        {
            var sha = TestMedia.Sha256(bytes);
            Assert.False(File.Exists(fixture.BlobPath(sha)));
            Assert.Equal(0, await fixture.ScalarAsync("SELECT count(*) FROM blobs WHERE sha256 = @s", ("s", sha)));
        }
    }

    [Fact]
    public async Task Empty_upload_is_refused()
    {
        var owner = AssetStorageFixture.NewOwner();
        await AssertRefusedAsync(StatusCode.InvalidArgument, owner, () => Client.UploadAsync(owner, []));
        await AssertRefusedAsync(StatusCode.InvalidArgument, owner, () => Client.UploadRawAsync());
    }

    [Fact]
    public async Task Messages_out_of_order_are_refused()
    {
        var owner = AssetStorageFixture.NewOwner();
        var metadata = new UploadRequest { Metadata = AssetStoreClient.Metadata(owner) };
        var chunk = new UploadRequest { Chunk = ByteString.CopyFrom(TestMedia.Random(10)) };
        await AssertRefusedAsync(StatusCode.InvalidArgument, owner, () => Client.UploadRawAsync(chunk, metadata));
        await AssertRefusedAsync(StatusCode.InvalidArgument, owner, () => Client.UploadRawAsync(metadata, chunk, metadata));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "", () => Client.UploadRawAsync(new UploadRequest { Metadata = new UploadMetadata() }, chunk));
    }

    [Fact]
    public async Task Bytes_claiming_to_be_an_image_that_are_not_are_refused()
    {
        var owner = AssetStorageFixture.NewOwner();
        var random = TestMedia.Random(4096);
        await AssertRefusedAsync(StatusCode.InvalidArgument, owner, () => Client.UploadAsync(owner, random, "x.png", "image/png"), random);

        byte[] fakePng = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. TestMedia.Random(4096)];
        await AssertRefusedAsync(StatusCode.InvalidArgument, owner, () => Client.UploadAsync(owner, fakePng, "y.png"), fakePng);

        var png = await TestMedia.UniquePngAsync(200, 150);
        await AssertRefusedAsync(StatusCode.InvalidArgument, owner, () => Client.UploadAsync(owner, png, "z.mp4", "video/mp4"), png);
    }

    [Fact]
    public async Task Truncated_media_is_refused()
    {
        var owner = AssetStorageFixture.NewOwner();
        var png = await TestMedia.UniquePngAsync(200, 150);
        var truncatedPng = png[..(png.Length / 2)];
        await AssertRefusedAsync(StatusCode.InvalidArgument, owner, () => Client.UploadAsync(owner, truncatedPng), truncatedPng);

        var mp4 = await TestMedia.Mp4Async();
        var truncatedMp4 = mp4[..(mp4.Length / 3)];
        await AssertRefusedAsync(StatusCode.InvalidArgument, owner, () => Client.UploadAsync(owner, truncatedMp4), truncatedMp4);
    }

    [Fact]
    public async Task Integrity_mismatches_are_data_loss()
    {
        var owner = AssetStorageFixture.NewOwner();
        var bytes = TestMedia.Random(10_000);
        var wrongSize = AssetStoreClient.Metadata(owner);
        wrongSize.ExpectedSize = bytes.Length + 1;
        await AssertRefusedAsync(StatusCode.DataLoss, owner, () => Client.UploadAsync(wrongSize, new MemoryStream(bytes)), bytes);

        var wrongHash = AssetStoreClient.Metadata(owner);
        wrongHash.ExpectedSha256 = new string('0', 64);
        await AssertRefusedAsync(StatusCode.DataLoss, owner, () => Client.UploadAsync(wrongHash, new MemoryStream(bytes)), bytes);

        var right = AssetStoreClient.Metadata(owner);
        right.ExpectedSha256 = TestMedia.Sha256(bytes).ToUpperInvariant();
        right.ExpectedSize = bytes.Length;
        Assert.Equal(bytes.Length, (await Client.UploadAsync(right, new MemoryStream(bytes))).SizeBytes);
    }

    [Fact]
    public async Task Oversize_uploads_are_resource_exhausted()
    {
        var owner = AssetStorageFixture.NewOwner();
        var bytes = TestMedia.Random((int)AssetStorageFixture.MaxUploadBytes + 1);
        await AssertRefusedAsync(StatusCode.ResourceExhausted, owner, () => Client.UploadAsync(owner, bytes), bytes);

        var declared = AssetStoreClient.Metadata(owner);
        declared.ExpectedSize = AssetStorageFixture.MaxUploadBytes + 1;
        await AssertRefusedAsync(StatusCode.ResourceExhausted, owner, () => Client.UploadAsync(declared, new MemoryStream([1, 2, 3])));
    }

    [Fact]
    public async Task Names_never_reach_the_file_system()
    {
        var owner = AssetStorageFixture.NewOwner();
        var bytes = TestMedia.Random(100);
        var asset = await Client.UploadAsync(owner, bytes, "../../../../tmp/evil.sh");
        Assert.Equal("../../../../tmp/evil.sh", asset.Name);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(fixture.BlobPath(asset.Sha256)));
        Assert.False(File.Exists("/tmp/evil.sh"));
        await AssertRefusedAsync(StatusCode.InvalidArgument, owner + "x", () => Client.UploadAsync(owner + "x", bytes, "a\nb"));
    }
}
