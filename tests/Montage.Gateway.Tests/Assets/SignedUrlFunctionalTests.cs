using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Assets.V1;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Assets;

/// <summary>Signed content URLs: issued by the gateway, verified by the asset store, usable without an API key.</summary>
[Collection(AssetsGatewayCollection.Name)]
public sealed class SignedUrlFunctionalTests(AssetsGatewayFixture fixture)
{
    [Fact]
    public async Task A_signed_url_serves_the_content_without_an_API_key()
    {
        using var tenant = await fixture.NewTenantAsync();
        var png = await AssetTestMedia.UniquePngAsync();
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, png, "image/png", "?name=p.png"))["id"]!.GetValue<string>();
        var signed = await SignAsync(tenant.Client, id, new JsonObject { ["ttl_seconds"] = 600 });
        Assert.StartsWith($"/v1/assets/{id}/content?", signed.Url, StringComparison.Ordinal);
        Assert.InRange(signed.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(8), DateTimeOffset.UtcNow.AddMinutes(12));

        using var anonymous = fixture.Gateway.CreateClient();
        using var response = await anonymous.GetAsync(signed.Url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("inline", response.Content.Headers.ContentDisposition?.DispositionType);

        using var request = new HttpRequestMessage(HttpMethod.Get, signed.Url);
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-7");
        using var partial = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(png.AsSpan(0, 8).ToArray(), await partial.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_attachment_signature_downloads_with_the_assets_name()
    {
        using var tenant = await fixture.NewTenantAsync();
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, await AssetTestMedia.UniquePngAsync(), "image/png", "?name=keep.png"))["id"]!.GetValue<string>();
        var signed = await SignAsync(tenant.Client, id, new JsonObject { ["disposition"] = "attachment" });

        using var anonymous = fixture.Gateway.CreateClient();
        using var response = await anonymous.GetAsync(signed.Url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("keep.png", response.Content.Headers.ContentDisposition?.FileNameStar);
    }

    [Fact]
    public async Task A_tampered_signed_url_is_refused_with_403()
    {
        using var tenant = await fixture.NewTenantAsync();
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, AssetTestMedia.Random(64), "application/octet-stream"))["id"]!.GetValue<string>();
        var other = (await AssetsGatewayFixture.UploadAsync(tenant.Client, AssetTestMedia.Random(64), "application/octet-stream"))["id"]!.GetValue<string>();
        var url = (await SignAsync(tenant.Client, id, new JsonObject())).Url;
        var query = System.Web.HttpUtility.ParseQueryString(url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..]);
        var sig = query["sig"]!;
        var flipped = (sig[0] == 'A' ? 'B' : 'A') + sig[1..];

        string[] forged =
        [
            url.Replace("sig=" + sig, "sig=" + flipped, StringComparison.Ordinal),
            url.Replace("exp=" + query["exp"], "exp=" + (long.Parse(query["exp"]!, System.Globalization.CultureInfo.InvariantCulture) + 3600), StringComparison.Ordinal),
            url.Replace("disp=inline", "disp=attachment", StringComparison.Ordinal),
            url.Replace(id, other, StringComparison.Ordinal),
            url.Replace("sig=" + sig, "sig=", StringComparison.Ordinal),
        ];

        using var anonymous = fixture.Gateway.CreateClient();
        foreach (var attempt in forged)
        {
            using var response = await anonymous.GetAsync(attempt);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "signed_url_invalid");
        }

        // The untouched URL still works: the refusals above were about the changes.
        using var genuine = await anonymous.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
    }

    [Fact]
    public async Task An_expired_signed_url_is_refused_with_403()
    {
        using var tenant = await fixture.NewTenantAsync();
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, AssetTestMedia.Random(64), "application/octet-stream"))["id"]!.GetValue<string>();

        // The store signs with any TTL; one second is enough to see it expire.
        var signed = await fixture.Gateway.Assets.SignUrlAsync(new SignUrlRequest { AssetId = id, Owner = tenant.Owner, Ttl = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) });
        using var anonymous = fixture.Gateway.CreateClient();
        while (DateTimeOffset.UtcNow <= signed.ExpiresAt.ToDateTimeOffset().AddSeconds(1))
        {
            await Task.Delay(250);
        }

        using var response = await anonymous.GetAsync(signed.Url);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "signed_url_expired");
    }

    [Fact]
    public async Task A_signed_url_of_a_deleted_asset_answers_404()
    {
        using var tenant = await fixture.NewTenantAsync();
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, AssetTestMedia.Random(64), "application/octet-stream"))["id"]!.GetValue<string>();
        var signed = await SignAsync(tenant.Client, id, new JsonObject());
        using (var deleted = await tenant.Client.DeleteAsync($"/v1/assets/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var anonymous = fixture.Gateway.CreateClient();
        using var response = await anonymous.GetAsync(signed.Url);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "asset_not_found");
    }

    [Theory]
    [InlineData(5, null, "ttl_seconds")]
    [InlineData(700_000, null, "ttl_seconds")]
    [InlineData(null, "sideways", "disposition")]
    public async Task Invalid_signing_requests_answer_400(int? ttl, string? disposition, string field)
    {
        using var tenant = await fixture.NewTenantAsync();
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, AssetTestMedia.Random(64), "application/octet-stream"))["id"]!.GetValue<string>();
        using var response = await tenant.Client.PostAsJsonAsync($"/v1/assets/{id}/signed-url", new JsonObject { ["ttl_seconds"] = ttl, ["disposition"] = disposition });
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
    }

    private static async Task<(string Url, DateTimeOffset ExpiresAt)> SignAsync(HttpClient client, string id, JsonObject body)
    {
        using var response = await client.PostAsJsonAsync($"/v1/assets/{id}/signed-url", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var json = JsonNode.Parse(text)!;
        return (json["url"]!.GetValue<string>(), json["expires_at"]!.GetValue<DateTimeOffset>());
    }
}
