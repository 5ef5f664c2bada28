using Montage.Contracts.Assets.V1;
using Montage.Grpc;

namespace Montage.AssetStorage.Tests;

[Collection(AssetStorageCollection.Name)]
public sealed class StoreFunctionalTests(AssetStorageFixture fixture)
{
    private AssetStoreClient Client => fixture.Client;

    [Fact]
    public async Task Uploaded_image_is_sniffed_probed_and_downloads_identically()
    {
        var owner = AssetStorageFixture.NewOwner();
        var png = await TestMedia.UniquePngAsync(64, 48);

        var asset = await Client.UploadAsync(owner, png, "portrait.png", tags: ["cast"]);

        Assert.StartsWith("ast_", asset.Id);
        Assert.Equal(TestMedia.Sha256(png), asset.Sha256);
        Assert.Equal(png.Length, asset.SizeBytes);
        Assert.Equal("image/png", asset.ContentType);
        Assert.Equal(AssetKind.Image, asset.Kind);
        Assert.Equal(64, asset.Media.Width);
        Assert.Equal(48, asset.Media.Height);
        Assert.Null(asset.Media.Duration);
        Assert.Equal("upload", asset.Source.Type);
        Assert.Equal(["cast"], asset.Tags);
        Assert.Equal(png, await Client.DownloadBytesAsync(asset.Id, owner));
        Assert.Equal(asset, await Client.StatAsync(asset.Id, owner));
        Assert.True(File.Exists(fixture.BlobPath(asset.Sha256)));
        Assert.Equal(png, await File.ReadAllBytesAsync(fixture.BlobPath(asset.Sha256)));
    }

    [Fact]
    public async Task Video_and_audio_get_their_media_facts()
    {
        var owner = AssetStorageFixture.NewOwner();
        var video = await Client.UploadAsync(owner, await TestMedia.Mp4Async(), "clip.mp4", "video/mp4");
        Assert.Equal(AssetKind.Video, video.Kind);
        Assert.Equal("video/mp4", video.ContentType);
        Assert.Equal(320, video.Media.Width);
        Assert.Equal(240, video.Media.Height);
        Assert.Equal(25, video.Media.Fps, 1);
        Assert.Equal("h264", video.Media.VideoCodec);
        Assert.InRange(video.Media.Duration.ToTimeSpan().TotalSeconds, 0.9, 1.1);

        var audio = await Client.UploadAsync(owner, await TestMedia.WavAsync(), "voice.wav");
        Assert.Equal(AssetKind.Audio, audio.Kind);
        Assert.Equal("audio/wav", audio.ContentType);
        Assert.True(audio.Media.HasAudio);
        Assert.Equal(0, audio.Media.Width);
    }

    [Fact]
    public async Task Other_bytes_are_stored_as_octet_stream_whatever_the_client_claims()
    {
        var owner = AssetStorageFixture.NewOwner();
        var asset = await Client.UploadAsync(owner, TestMedia.Random(1000), "data.bin", "text/html");
        Assert.Equal(AssetKind.Other, asset.Kind);
        Assert.Equal("application/octet-stream", asset.ContentType);
        Assert.Null(asset.Media);
    }

    [Fact]
    public async Task Same_bytes_are_stored_once_and_deduplicated_per_owner()
    {
        var owner = AssetStorageFixture.NewOwner();
        var other = AssetStorageFixture.NewOwner();
        var bytes = TestMedia.Random(300_000);

        var first = await Client.UploadAsync(owner, bytes, "a.bin");
        var again = await Client.UploadAsync(owner, bytes, "b.bin");
        var theirs = await Client.UploadAsync(other, bytes, "c.bin");

        Assert.Equal(first.Id, again.Id);
        Assert.Equal("a.bin", again.Name);
        Assert.NotEqual(first.Id, theirs.Id);
        Assert.Equal(first.Sha256, theirs.Sha256);
        Assert.Equal(1, await fixture.ScalarAsync("SELECT count(*) FROM blobs WHERE sha256 = @s", ("s", first.Sha256)));
        Assert.Equal(2, await fixture.ScalarAsync("SELECT ref_count FROM blobs WHERE sha256 = @s", ("s", first.Sha256)));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(fixture.BlobPath(first.Sha256))!), p => p.EndsWith(first.Sha256, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_identical_uploads_become_one_asset_and_one_blob()
    {
        var owner = AssetStorageFixture.NewOwner();
        var bytes = TestMedia.Random(2 * 1024 * 1024 + 17);

        var assets = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Client.UploadAsync(owner, bytes, $"copy-{i}.bin")));

        Assert.Single(assets.Select(a => a.Id).Distinct());
        Assert.Equal(1, await fixture.ScalarAsync("SELECT count(*) FROM assets WHERE owner = @o", ("o", owner)));
        Assert.Equal(1, await fixture.ScalarAsync("SELECT ref_count FROM blobs WHERE sha256 = @s", ("s", assets[0].Sha256)));
        Assert.Equal(bytes, await Client.DownloadBytesAsync(assets[0].Id, owner));
        Assert.Empty(Directory.GetFiles(fixture.TempDir));
    }

    [Fact]
    public async Task Byte_ranges_are_served_and_clipped()
    {
        var owner = AssetStorageFixture.NewOwner();
        var bytes = TestMedia.Random(3 * 1024 * 1024 + 5);
        var asset = await Client.UploadAsync(owner, bytes);

        Assert.Equal(bytes[1000..3000], await Client.DownloadBytesAsync(asset.Id, owner, 1000, 2000));
        Assert.Equal(bytes[(1024 * 1024 - 1)..(2 * 1024 * 1024 + 1)], await Client.DownloadBytesAsync(asset.Id, owner, 1024 * 1024 - 1, 1024 * 1024 + 2));
        Assert.Equal(bytes[^10..], await Client.DownloadBytesAsync(asset.Id, owner, bytes.Length - 10, 1000));
        Assert.Equal(bytes[5..], await Client.DownloadBytesAsync(asset.Id, owner, 5));
        Assert.Empty(await Client.DownloadBytesAsync(asset.Id, owner, bytes.Length));
        var beyond = await Assert.ThrowsAsync<RpcException>(() => Client.DownloadBytesAsync(asset.Id, owner, bytes.Length + 1));
        Assert.Equal(StatusCode.OutOfRange, beyond.StatusCode);
        var negative = await Assert.ThrowsAsync<RpcException>(() => Client.DownloadBytesAsync(asset.Id, owner, -1));
        Assert.Equal(StatusCode.InvalidArgument, negative.StatusCode);
    }

    [Fact]
    public async Task Another_owners_asset_is_not_found()
    {
        var owner = AssetStorageFixture.NewOwner();
        var asset = await Client.UploadAsync(owner, TestMedia.Random(100));

        var stat = await Assert.ThrowsAsync<RpcException>(() => Client.StatAsync(asset.Id, "someone-else"));
        Assert.Equal(StatusCode.NotFound, stat.StatusCode);
        var download = await Assert.ThrowsAsync<RpcException>(() => Client.DownloadBytesAsync(asset.Id, "someone-else"));
        Assert.Equal(StatusCode.NotFound, download.StatusCode);
        Assert.False((await Client.DeleteAsync(asset.Id, "someone-else")).Deleted);
        var malformed = await Assert.ThrowsAsync<RpcException>(() => Client.StatAsync("../../etc/passwd", owner));
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
    }

    [Fact]
    public async Task List_pages_newest_first_with_kind_and_tag_filters()
    {
        var owner = AssetStorageFixture.NewOwner();
        var created = new List<Asset>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await Client.UploadAsync(owner, TestMedia.Random(100 + i), $"f{i}", tags: i % 2 == 0 ? ["even", "x"] : ["odd"]));
        }

        var image = await Client.UploadAsync(owner, await TestMedia.UniquePngAsync(), "img.png", tags: ["even"]);

        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await Client.ListAsync(new ListAssetsRequest { Owner = owner, PageSize = 2, PageToken = token });
            Assert.InRange(page.Assets.Count, 1, 2);
            seen.AddRange(page.Assets.Select(a => a.Id));
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.Equal(new[] { image.Id }.Concat(created.AsEnumerable().Reverse().Select(a => a.Id)), seen);

        var images = await Client.ListAsync(new ListAssetsRequest { Owner = owner, Kind = AssetKind.Image });
        Assert.Equal([image.Id], images.Assets.Select(a => a.Id));
        var tagged = await Client.ListAsync(new ListAssetsRequest { Owner = owner, Tags = { "even", "x" } });
        Assert.Equal([created[4].Id, created[2].Id, created[0].Id], tagged.Assets.Select(a => a.Id));
        var bad = await Assert.ThrowsAsync<RpcException>(() => Client.ListAsync(new ListAssetsRequest { Owner = owner, PageToken = "garbage" }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    [Fact]
    public async Task Delete_is_idempotent_and_releases_the_blob_reference()
    {
        var owner = AssetStorageFixture.NewOwner();
        var asset = await Client.UploadAsync(owner, TestMedia.Random(5000));

        Assert.True((await Client.DeleteAsync(asset.Id, owner)).Deleted);
        Assert.False((await Client.DeleteAsync(asset.Id, owner)).Deleted);
        var stat = await Assert.ThrowsAsync<RpcException>(() => Client.StatAsync(asset.Id, owner));
        Assert.Equal(StatusCode.NotFound, stat.StatusCode);
        Assert.Equal(0, await fixture.ScalarAsync("SELECT coalesce(max(ref_count), 0) FROM blobs WHERE sha256 = @s", ("s", asset.Sha256)));
    }
}
