using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.WebUtilities;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;

namespace Montage.AssetStorage.Tests;

[Collection(AssetStorageCollection.Name)]
public sealed class SignedUrlFunctionalTests(AssetStorageFixture fixture)
{
    private AssetStoreClient Client => fixture.Client;

    [Fact]
    public async Task Signed_url_verifies_and_tampering_is_detected()
    {
        var owner = AssetStorageFixture.NewOwner();
        var asset = await Client.UploadAsync(owner, TestMedia.Random(10));

        var signed = await Client.SignUrlAsync(new SignUrlRequest { AssetId = asset.Id, Owner = owner, Disposition = "attachment", Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) });

        Assert.StartsWith($"/v1/assets/{asset.Id}/content?", signed.Url);
        var verified = await Client.VerifyAsync(signed.Url);
        Assert.True(verified.Valid);
        Assert.Equal(asset.Id, verified.AssetId);
        Assert.Equal("attachment", verified.Disposition);
        Assert.Equal(signed.ExpiresAt, verified.ExpiresAt);

        var otherAsset = signed.Url.Replace(asset.Id, "ast_" + new string('1', 32), StringComparison.Ordinal);
        Assert.Equal("bad_signature", (await Client.VerifyAsync(otherAsset)).Reason);
        Assert.Equal("bad_signature", (await Client.VerifyAsync(signed.Url.Replace("disp=attachment", "disp=inline", StringComparison.Ordinal))).Reason);
        var exp = signed.ExpiresAt.Seconds;
        Assert.Equal("bad_signature", (await Client.VerifyAsync(signed.Url.Replace($"exp={exp}", $"exp={exp + 3600}", StringComparison.Ordinal))).Reason);
        Assert.Equal("malformed", (await Client.VerifyAsync("/v1/assets/x/content")).Reason);
        Assert.Equal("malformed", (await Client.VerifyAsync(signed.Url[..signed.Url.IndexOf("&sig", StringComparison.Ordinal)])).Reason);
        Assert.False((await Client.VerifyAsync(otherAsset)).Valid);
    }

    [Fact]
    public async Task Expired_signature_is_reported_as_expired()
    {
        // Signed with the service's key for a time in the past, exactly as the service would have signed it.
        var id = "ast_" + new string('a', 32);
        var exp = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(AssetStorageFixture.SigningKey), Encoding.UTF8.GetBytes($"v1\n{id}\n{exp}\ninline"));
        var url = $"/v1/assets/{id}/content?exp={exp}&disp=inline&sig={WebEncoders.Base64UrlEncode(mac)}";

        var verified = await Client.VerifyAsync(url);

        Assert.False(verified.Valid);
        Assert.Equal("expired", verified.Reason);
    }

    [Fact]
    public async Task Signing_checks_the_asset_and_the_ttl()
    {
        var owner = AssetStorageFixture.NewOwner();
        var asset = await Client.UploadAsync(owner, TestMedia.Random(10));
        var notYours = await Assert.ThrowsAsync<RpcException>(() => Client.SignUrlAsync(new SignUrlRequest { AssetId = asset.Id, Owner = "other" }));
        Assert.Equal(StatusCode.NotFound, notYours.StatusCode);
        var tooLong = await Assert.ThrowsAsync<RpcException>(() => Client.SignUrlAsync(new SignUrlRequest { AssetId = asset.Id, Owner = owner, Ttl = Duration.FromTimeSpan(TimeSpan.FromDays(8)) }));
        Assert.Equal(StatusCode.InvalidArgument, tooLong.StatusCode);
    }
}
