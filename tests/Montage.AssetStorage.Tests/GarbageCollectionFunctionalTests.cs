namespace Montage.AssetStorage.Tests;

/// <summary>The collector runs every 0.5 s with a 3 s grace period in the test configuration.</summary>
[Collection(AssetStorageCollection.Name)]
public sealed class GarbageCollectionFunctionalTests(AssetStorageFixture fixture)
{
    private AssetStoreClient Client => fixture.Client;

    [Fact]
    public async Task Unreferenced_blob_is_collected_and_a_shared_one_is_kept()
    {
        var owner = AssetStorageFixture.NewOwner();
        var other = AssetStorageFixture.NewOwner();
        var alone = await Client.UploadAsync(owner, TestMedia.Random(20_000));
        var sharedBytes = TestMedia.Random(20_000);
        var shared = await Client.UploadAsync(owner, sharedBytes);
        var sharedCopy = await Client.UploadAsync(other, sharedBytes);

        await Client.DeleteAsync(alone.Id, owner);
        await Client.DeleteAsync(shared.Id, owner);

        await AssetStorageFixture.EventuallyAsync(
            async () => !File.Exists(fixture.BlobPath(alone.Sha256))
                && await fixture.ScalarAsync("SELECT count(*) FROM blobs WHERE sha256 = @s", ("s", alone.Sha256)) == 0,
            "the unreferenced blob to be collected");

        // The collector has run past the grace period of both deletes: the blob still referenced by another owner stays.
        Assert.True(File.Exists(fixture.BlobPath(shared.Sha256)));
        Assert.Equal(sharedBytes, await Client.DownloadBytesAsync(sharedCopy.Id, other));
    }

    [Fact]
    public async Task Reuploading_bytes_after_delete_revives_the_blob()
    {
        var owner = AssetStorageFixture.NewOwner();
        var bytes = TestMedia.Random(30_000);
        var first = await Client.UploadAsync(owner, bytes);
        await Client.DeleteAsync(first.Id, owner);

        var second = await Client.UploadAsync(owner, bytes);
        await Task.Delay(TimeSpan.FromSeconds(5)); // longer than the grace period: the collector had its chance

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(bytes, await Client.DownloadBytesAsync(second.Id, owner));
        Assert.Equal(1, await fixture.ScalarAsync("SELECT ref_count FROM blobs WHERE sha256 = @s", ("s", second.Sha256)));
    }

    [Fact]
    public async Task Abandoned_temp_and_orphaned_blob_files_are_removed()
    {
        Directory.CreateDirectory(fixture.TempDir);
        var temp = Path.Combine(fixture.TempDir, Guid.NewGuid().ToString("N") + ".part");
        await File.WriteAllBytesAsync(temp, TestMedia.Random(100));
        File.SetLastWriteTimeUtc(temp, DateTime.UtcNow.AddMinutes(-10));
        var orphanSha = TestMedia.Sha256(TestMedia.Random(32));
        var orphan = fixture.BlobPath(orphanSha);
        Directory.CreateDirectory(Path.GetDirectoryName(orphan)!);
        await File.WriteAllBytesAsync(orphan, [1, 2, 3]);
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddMinutes(-10));

        await AssetStorageFixture.EventuallyAsync(() => Task.FromResult(!File.Exists(temp) && !File.Exists(orphan)), "abandoned files to be removed");
    }
}
