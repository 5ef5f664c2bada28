using System.Net;
using System.Net.Http.Headers;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Assets;

/// <summary>GET /v1/assets/{id}/content: streamed bytes, one byte range, the sha256 as ETag, disposition.</summary>
[Collection(AssetsGatewayCollection.Name)]
public sealed class DownloadFunctionalTests(AssetsGatewayFixture fixture)
{
    [Fact]
    public async Task The_whole_content_comes_with_length_type_etag_and_disposition()
    {
        using var tenant = await fixture.NewTenantAsync();
        var png = await AssetTestMedia.UniquePngAsync();
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, png, "image/png", "?name=still%20life.png"))["id"]!.GetValue<string>();

        using var response = await tenant.Client.GetAsync($"/v1/assets/{id}/content");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(png.Length, response.Content.Headers.ContentLength);
        Assert.Equal($"\"{AssetTestMedia.Sha256(png)}\"", response.Headers.ETag?.Tag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.Contains("bytes", response.Headers.AcceptRanges);
        Assert.Equal("inline", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("still life.png", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Disposition_attachment_is_honoured_and_non_media_is_always_an_attachment()
    {
        using var tenant = await fixture.NewTenantAsync();
        var png = await AssetTestMedia.UniquePngAsync();
        var image = (await AssetsGatewayFixture.UploadAsync(tenant.Client, png, "image/png"))["id"]!.GetValue<string>();
        using (var response = await tenant.Client.GetAsync($"/v1/assets/{image}/content?disposition=attachment"))
        {
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        }

        var blob = (await AssetsGatewayFixture.UploadAsync(tenant.Client, AssetTestMedia.Random(100), "application/octet-stream", "?name=data.bin"))["id"]!.GetValue<string>();
        using (var response = await tenant.Client.GetAsync($"/v1/assets/{blob}/content"))
        {
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        }

        using var bad = await tenant.Client.GetAsync($"/v1/assets/{image}/content?disposition=explode");
        await ProblemAssert.IsProblemAsync(bad, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("bytes=10-19", 10, 10)]
    [InlineData("bytes=0-0", 0, 1)]
    [InlineData("bytes=-5", 995, 5)]
    [InlineData("bytes=990-", 990, 10)]
    [InlineData("bytes=500-99999", 500, 500)]
    [InlineData("bytes=-5000", 0, 1000)]
    public async Task A_single_range_answers_206_with_exactly_those_bytes(string range, int offset, int length)
    {
        using var tenant = await fixture.NewTenantAsync();
        var bytes = AssetTestMedia.Random(1000);
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, bytes, "application/octet-stream"))["id"]!.GetValue<string>();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/assets/{id}/content");
        request.Headers.TryAddWithoutValidation("Range", range);
        using var response = await tenant.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(bytes.AsSpan(offset, length).ToArray(), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes {offset}-{offset + length - 1}/1000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task A_range_beyond_the_end_answers_416_with_the_size()
    {
        using var tenant = await fixture.NewTenantAsync();
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, AssetTestMedia.Random(1000), "application/octet-stream"))["id"]!.GetValue<string>();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/assets/{id}/content");
        request.Headers.Range = new RangeHeaderValue(1000, 2000);
        using var response = await tenant.Client.SendAsync(request);
        Assert.Equal("bytes */1000", response.Content.Headers.ContentRange?.ToString());
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestedRangeNotSatisfiable, "range_not_satisfiable");
    }

    [Theory]
    [InlineData("bytes=0-1,5-6")]
    [InlineData("items=0-1")]
    [InlineData("bytes=garbage")]
    public async Task A_range_it_does_not_serve_is_ignored_and_the_whole_content_comes(string range)
    {
        using var tenant = await fixture.NewTenantAsync();
        var bytes = AssetTestMedia.Random(300);
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, bytes, "application/octet-stream"))["id"]!.GetValue<string>();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/assets/{id}/content");
        request.Headers.TryAddWithoutValidation("Range", range);
        using var response = await tenant.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task If_None_Match_with_the_etag_answers_304_and_another_etag_gets_the_content()
    {
        using var tenant = await fixture.NewTenantAsync();
        var bytes = AssetTestMedia.Random(500);
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, bytes, "application/octet-stream"))["id"]!.GetValue<string>();
        var etag = $"\"{AssetTestMedia.Sha256(bytes)}\"";

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/assets/{id}/content"))
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", $"\"other\", W/{etag}");
            using var response = await tenant.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
            Assert.Equal(etag, response.Headers.ETag?.Tag);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/assets/{id}/content"))
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", "\"0000\"");
            using var response = await tenant.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task If_Range_applies_the_range_only_for_the_current_etag()
    {
        using var tenant = await fixture.NewTenantAsync();
        var bytes = AssetTestMedia.Random(200);
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, bytes, "application/octet-stream"))["id"]!.GetValue<string>();

        async Task<HttpStatusCode> GetAsync(string ifRange)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/assets/{id}/content");
            request.Headers.TryAddWithoutValidation("Range", "bytes=0-9");
            request.Headers.TryAddWithoutValidation("If-Range", ifRange);
            using var response = await tenant.Client.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.PartialContent, await GetAsync($"\"{AssetTestMedia.Sha256(bytes)}\""));
        Assert.Equal(HttpStatusCode.OK, await GetAsync("\"stale\""));
    }

    [Fact]
    public async Task HEAD_answers_the_headers_without_the_bytes()
    {
        using var tenant = await fixture.NewTenantAsync();
        var bytes = AssetTestMedia.Random(700);
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, bytes, "application/octet-stream"))["id"]!.GetValue<string>();
        using var response = await tenant.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v1/assets/{id}/content"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(700, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Content_needs_an_API_key_or_a_signature()
    {
        using var tenant = await fixture.NewTenantAsync();
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, AssetTestMedia.Random(50), "application/octet-stream"))["id"]!.GetValue<string>();
        using var anonymous = fixture.Gateway.CreateClient();
        using var response = await anonymous.GetAsync($"/v1/assets/{id}/content");
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }
}
