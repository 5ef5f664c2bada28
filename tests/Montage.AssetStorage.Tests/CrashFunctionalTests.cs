using Google.Protobuf;
using Montage.Contracts.Assets.V1;
using Montage.Grpc.Client;
using Montage.Hosting.Testing;

namespace Montage.AssetStorage.Tests;

[Collection(AssetStorageFaultCollection.Name)]
public sealed class CrashFunctionalTests(AssetStorageFaultFixture fixture)
{
    [Fact]
    public async Task Process_killed_mid_upload_leaves_no_partial_blob_and_no_row()
    {
        var owner = AssetStorageFixture.NewOwner();
        var bytes = TestMedia.Random(12 * 1024 * 1024);
        var blobsBefore = BlobFiles();

        using var cancel = new CancellationTokenSource();
        var call = fixture.Client.StartUpload(cancel.Token);
        await call.RequestStream.WriteAsync(new UploadRequest { Metadata = AssetStoreClient.Metadata(owner, "big.bin") });
        for (var offset = 0; offset < 6 * 1024 * 1024; offset += 256 * 1024)
        {
            await call.RequestStream.WriteAsync(new UploadRequest { Chunk = ByteString.CopyFrom(bytes, offset, 256 * 1024) });
        }

        await AssetStorageFixture.EventuallyAsync(
            () => Task.FromResult(Directory.Exists(fixture.TempDir) && Directory.GetFiles(fixture.TempDir).Any(f => new FileInfo(f).Length > 0)),
            "the upload to reach the temp file");
        await fixture.App.KillAsync(AssetStorageFixture.ServiceName);
        await cancel.CancelAsync();
        call.Dispose();

        Assert.Equal(blobsBefore, BlobFiles());
        Assert.Equal(0, await fixture.ScalarAsync("SELECT count(*) FROM assets WHERE owner = @o", ("o", owner)));
        Assert.Equal(0, await fixture.ScalarAsync("SELECT count(*) FROM blobs WHERE sha256 = @s", ("s", TestMedia.Sha256(bytes))));

        await fixture.App.RestartAsync(AssetStorageFixture.ServiceName);
        await fixture.App.WaitForHealthyAsync(AssetStorageFixture.ServiceName, TimeSpan.FromMinutes(3));

        // The abandoned temp file is collected after the grace period; the same upload then succeeds in full.
        await AssetStorageFixture.EventuallyAsync(() => Task.FromResult(Directory.GetFiles(fixture.TempDir).Length == 0), "the abandoned temp file to be collected");
        using var channel = GrpcChannel.ForAddress(fixture.App.GetEndpoint(AssetStorageFixture.ServiceName, "grpc"));
        var client = new AssetStoreClient(channel);
        var asset = await client.UploadAsync(owner, bytes, "big.bin");
        Assert.Equal(TestMedia.Sha256(bytes), asset.Sha256);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(fixture.BlobPath(asset.Sha256)));
    }

    private string[] BlobFiles() =>
        Directory.Exists(fixture.BlobsDir) ? [.. Directory.GetFiles(fixture.BlobsDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)] : [];
}
