using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;

namespace Montage.AssetStorage.Tests;

/// <summary>Derive with real FFmpeg: the outputs are real media that the store itself probed.</summary>
[Collection(AssetStorageCollection.Name)]
public sealed class DeriveFunctionalTests(AssetStorageFixture fixture)
{
    private AssetStoreClient Client => fixture.Client;

    [Fact]
    public async Task Image_thumbnail_fits_the_box_and_is_cached()
    {
        var owner = AssetStorageFixture.NewOwner();
        var image = await Client.UploadAsync(owner, await TestMedia.UniquePngAsync(640, 360), "wide.png");

        var thumbnail = await Client.DeriveAsync(new DeriveRequest { AssetId = image.Id, Owner = owner, Kind = DerivativeKind.Thumbnail, MaxWidth = 160, MaxHeight = 160 });

        Assert.Equal(AssetKind.Image, thumbnail.Kind);
        Assert.Equal("image/jpeg", thumbnail.ContentType);
        Assert.Equal(160, thumbnail.Media.Width);
        Assert.Equal(90, thumbnail.Media.Height);
        Assert.Equal("derived", thumbnail.Source.Type);
        Assert.Equal(image.Id, thumbnail.Source.DerivedFromAssetId);
        Assert.Equal(DerivativeKind.Thumbnail, thumbnail.Source.Derivative);
        Assert.Equal(owner, thumbnail.Owner);

        var again = await Client.DeriveAsync(new DeriveRequest { AssetId = image.Id, Owner = owner, Kind = DerivativeKind.Thumbnail, MaxWidth = 160, MaxHeight = 160 });
        Assert.Equal(thumbnail.Id, again.Id);

        var poster = await Assert.ThrowsAsync<RpcException>(() => Client.DeriveAsync(new DeriveRequest { AssetId = image.Id, Owner = owner, Kind = DerivativeKind.Poster }));
        Assert.Equal(StatusCode.FailedPrecondition, poster.StatusCode);
    }

    [Fact]
    public async Task Video_poster_and_preview()
    {
        var owner = AssetStorageFixture.NewOwner();
        var video = await Client.UploadAsync(owner, await TestMedia.Mp4Async(), "clip.mp4");

        var poster = await Client.DeriveAsync(new DeriveRequest { AssetId = video.Id, Owner = owner, Kind = DerivativeKind.Poster, At = Duration.FromTimeSpan(TimeSpan.FromSeconds(0.5)) });
        Assert.Equal(AssetKind.Image, poster.Kind);
        Assert.Equal((320, 240), (poster.Media.Width, poster.Media.Height));

        var preview = await Client.DeriveAsync(new DeriveRequest { AssetId = video.Id, Owner = owner, Kind = DerivativeKind.Preview, MaxWidth = 160, MaxHeight = 160 });
        Assert.Equal(AssetKind.Video, preview.Kind);
        Assert.Equal("video/mp4", preview.ContentType);
        Assert.Equal((160, 120), (preview.Media.Width, preview.Media.Height));
        Assert.False(preview.Media.HasAudio);

        var thumbnail = await Client.DeriveAsync(new DeriveRequest { AssetId = video.Id, Owner = owner, Kind = DerivativeKind.Thumbnail });
        Assert.Equal((320, 240), (thumbnail.Media.Width, thumbnail.Media.Height));

        var late = await Assert.ThrowsAsync<RpcException>(() => Client.DeriveAsync(new DeriveRequest { AssetId = video.Id, Owner = owner, Kind = DerivativeKind.Poster, At = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) }));
        Assert.Equal(StatusCode.InvalidArgument, late.StatusCode);

        // Deleting the source takes its derivatives with it.
        Assert.True((await Client.DeleteAsync(video.Id, owner)).Deleted);
        var gone = await Assert.ThrowsAsync<RpcException>(() => Client.StatAsync(preview.Id, owner));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }
}
