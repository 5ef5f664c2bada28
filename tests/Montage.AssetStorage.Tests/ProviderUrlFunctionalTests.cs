using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;

namespace Montage.AssetStorage.Tests;

/// <summary>GetProviderUrl against the fake fal CDN and KIE file upload: cached while valid, uploaded again once expired.</summary>
[Collection(AssetStorageCollection.Name)]
public sealed class ProviderUrlFunctionalTests(AssetStorageFixture fixture)
{
    private AssetStoreClient Client => fixture.Client;

    private static readonly HttpClient Http = new();

    [Theory]
    [InlineData("fal")]
    [InlineData("kie")]
    public async Task Uploads_once_serves_from_cache_and_reuploads_when_expired(string provider)
    {
        var owner = AssetStorageFixture.NewOwner();
        var png = await TestMedia.UniquePngAsync();
        var asset = await Client.UploadAsync(owner, png, "in.png");
        var request = new GetProviderUrlRequest { AssetId = asset.Id, Provider = provider };

        var first = await Client.GetProviderUrlAsync(request);
        Assert.Equal(png, await Http.GetByteArrayAsync(first.Url));
        Assert.True(first.ExpiresAt.ToDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(1));
        Assert.Empty(first.LocalPath);

        var cached = await Client.GetProviderUrlAsync(request);
        Assert.Equal(first.Url, cached.Url);

        // The copy expires (as the provider's clock says); the next call uploads a fresh one.
        await fixture.ScalarAsync("UPDATE provider_urls SET expires_at = now() - interval '1 second' WHERE asset_id = @id", ("id", asset.Id));
        var renewed = await Client.GetProviderUrlAsync(request);
        Assert.NotEqual(first.Url, renewed.Url);
        Assert.Equal(png, await Http.GetByteArrayAsync(renewed.Url));

        // A copy that would expire before the caller is done is renewed too.
        var longer = await Client.GetProviderUrlAsync(new GetProviderUrlRequest
        {
            AssetId = asset.Id, Provider = provider, MinValidity = Duration.FromTimeSpan(renewed.ExpiresAt.ToDateTimeOffset() - DateTimeOffset.UtcNow + TimeSpan.FromHours(1)),
        }).ContinueWith(t => t.Exception?.InnerException as RpcException);
        Assert.Equal(StatusCode.FailedPrecondition, longer!.StatusCode);
    }

    [Fact]
    public async Task Local_engine_gets_the_blob_path()
    {
        var owner = AssetStorageFixture.NewOwner();
        var bytes = TestMedia.Random(1234);
        var asset = await Client.UploadAsync(owner, bytes);

        var local = await Client.GetProviderUrlAsync(new GetProviderUrlRequest { AssetId = asset.Id, Provider = "local" });

        Assert.Equal(fixture.BlobPath(asset.Sha256), local.LocalPath);
        Assert.Null(local.ExpiresAt);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(local.LocalPath));
    }

    [Fact]
    public async Task Unknown_provider_and_asset_are_refused()
    {
        var owner = AssetStorageFixture.NewOwner();
        var asset = await Client.UploadAsync(owner, TestMedia.Random(10));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.GetProviderUrlAsync(new GetProviderUrlRequest { AssetId = asset.Id, Provider = "replicate" }));
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => Client.GetProviderUrlAsync(new GetProviderUrlRequest { AssetId = "ast_" + new string('0', 32), Provider = "fal" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }
}
