using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Montage.Contracts.Assets.V1;
using Montage.Gateway.Assets;
using Montage.Gateway.Media;
using Montage.Gateway.Tests.Assets;

namespace Montage.Gateway.Tests.Media;

/// <summary>
/// The media reference resolver against the real asset store: asset ids, imported URLs (the store's SSRF guard and
/// its failures), data URIs, and the media kind a field expects.
/// </summary>
[Collection(AssetsGatewayCollection.Name)]
public sealed class MediaReferenceFunctionalTests(AssetsGatewayFixture fixture)
{
    private const int DataUriLimit = 512 * 1024;

    [Fact]
    public async Task An_asset_id_of_the_owner_resolves_to_itself()
    {
        var owner = NewOwner();
        var asset = await UploadAsync(owner, await AssetTestMedia.UniquePngAsync(), "image/png");
        Assert.Equal(asset.Id, await Resolver().ResolveAsync(owner, asset.Id, ExpectedMedia.Image, default));
        Assert.Equal(asset.Id, await Resolver().ResolveAsync(owner, asset.Id, ExpectedMedia.Any, default));
    }

    [Fact]
    public async Task Another_owners_asset_id_is_not_found()
    {
        var asset = await UploadAsync(NewOwner(), await AssetTestMedia.UniquePngAsync(), "image/png");
        var problem = await RefusedAsync(NewOwner(), asset.Id, ExpectedMedia.Image);
        Assert.Equal(("asset_not_found", 422), (problem.Code, problem.Status));
    }

    [Fact]
    public async Task An_audio_asset_given_as_an_image_is_a_kind_mismatch()
    {
        var owner = NewOwner();
        var wav = await UploadAsync(owner, await AssetTestMedia.WavAsync(), "audio/wav");
        var problem = await RefusedAsync(owner, wav.Id, ExpectedMedia.Image);
        Assert.Equal(("media_kind_mismatch", 422), (problem.Code, problem.Status));
        Assert.Contains("audio", problem.Message, StringComparison.Ordinal);
        Assert.Equal(wav.Id, await Resolver().ResolveAsync(owner, wav.Id, ExpectedMedia.Audio, default));
    }

    [Fact]
    public async Task An_http_url_is_imported_as_an_asset_of_the_owner()
    {
        var owner = NewOwner();
        var png = await AssetTestMedia.UniquePngAsync();
        var url = fixture.Origin.Add($"{Guid.NewGuid():N}.png", png, "image/png") + "?token=secret";

        var id = await Resolver().ResolveAsync(owner, url, ExpectedMedia.Image, default);
        var asset = await fixture.Gateway.Assets.StatAsync(new StatAssetRequest { AssetId = id, Owner = owner });
        Assert.Equal(AssetTestMedia.Sha256(png), asset.Sha256);
        Assert.Equal(AssetKind.Image, asset.Kind);
        Assert.Equal("import", asset.Source.Type);
        Assert.DoesNotContain("secret", asset.Source.Url, StringComparison.Ordinal);
        Assert.EndsWith(".png", asset.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_imported_url_of_the_wrong_kind_is_a_kind_mismatch()
    {
        var url = fixture.Origin.Add($"{Guid.NewGuid():N}.wav", await AssetTestMedia.WavAsync(), "audio/wav");
        var problem = await RefusedAsync(NewOwner(), url, ExpectedMedia.Image);
        Assert.Equal(("media_kind_mismatch", 422), (problem.Code, problem.Status));
    }

    [Fact]
    public async Task A_url_to_a_private_address_is_refused_by_the_ssrf_guard()
    {
        // The gateway itself listens on 127.0.0.1, which the store's allowlist (127.0.0.2 only) does not open.
        var url = new Uri(fixture.Gateway.BaseAddress, "/health").AbsoluteUri;
        var problem = await RefusedAsync(NewOwner(), url, ExpectedMedia.Image);
        Assert.Equal(("import_refused", 422), (problem.Code, problem.Status));
    }

    [Fact]
    public async Task A_url_the_remote_answers_404_for_fails_to_import()
    {
        var problem = await RefusedAsync(NewOwner(), fixture.Origin.Url("/files/missing.png"), ExpectedMedia.Image);
        Assert.Equal(("import_failed", 422), (problem.Code, problem.Status));
        Assert.Contains("404", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_url_larger_than_the_import_limit_is_too_large()
    {
        var url = fixture.Origin.Add($"{Guid.NewGuid():N}.png", await AssetTestMedia.UniquePngAsync(256, 256), "image/png");
        var resolver = Resolver(new GatewayAssetsOptions { MaxDataUriBytes = DataUriLimit, MaxImportBytes = 100 });
        var problem = await Assert.ThrowsAsync<MediaReferenceException>(() => resolver.ResolveAsync(NewOwner(), url, ExpectedMedia.Image, default));
        Assert.Equal(("media_too_large", 413), (problem.Code, problem.Status));
    }

    [Theory]
    [InlineData("ftp://example.com/a.png")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("not an asset")]
    [InlineData("ast_123")]
    [InlineData("   ")]
    public async Task A_string_of_no_accepted_form_is_an_invalid_reference(string reference)
    {
        var problem = await RefusedAsync(NewOwner(), reference, ExpectedMedia.Image);
        Assert.Equal(("invalid_media_reference", 422), (problem.Code, problem.Status));
    }

    [Fact]
    public async Task A_data_uri_is_uploaded_as_an_asset_of_the_owner()
    {
        var owner = NewOwner();
        var png = await AssetTestMedia.UniquePngAsync();
        var id = await Resolver().ResolveAsync(owner, "data:image/png;base64," + Convert.ToBase64String(png), ExpectedMedia.Image, default);
        var asset = await fixture.Gateway.Assets.StatAsync(new StatAssetRequest { AssetId = id, Owner = owner });
        Assert.Equal(AssetTestMedia.Sha256(png), asset.Sha256);
        Assert.Equal("image/png", asset.ContentType);
    }

    [Fact]
    public async Task A_data_uri_declaring_audio_for_an_image_field_is_refused_before_it_is_stored()
    {
        var owner = NewOwner();
        var wav = await AssetTestMedia.WavAsync();
        var problem = await RefusedAsync(owner, "data:audio/wav;base64," + Convert.ToBase64String(wav), ExpectedMedia.Image);
        Assert.Equal(("media_kind_mismatch", 422), (problem.Code, problem.Status));
        var listed = await fixture.Gateway.Assets.ListAsync(new ListAssetsRequest { Owner = owner });
        Assert.Empty(listed.Assets);
    }

    [Fact]
    public async Task A_data_uri_over_the_limit_is_too_large()
    {
        var problem = await RefusedAsync(NewOwner(), "data:image/png;base64," + Convert.ToBase64String(AssetTestMedia.Random(DataUriLimit + 1)), ExpectedMedia.Image);
        Assert.Equal(("data_uri_too_large", 413), (problem.Code, problem.Status));
    }

    [Fact]
    public async Task A_data_uri_whose_bytes_are_not_what_it_declares_is_invalid_media()
    {
        var problem = await RefusedAsync(NewOwner(), "data:image/png;base64," + Convert.ToBase64String(AssetTestMedia.Random(2000)), ExpectedMedia.Image);
        Assert.Equal(("invalid_media", 422), (problem.Code, problem.Status));
    }

    [Theory]
    [InlineData("data:image/png;base64,@@@@")]
    [InlineData("data:image/png,plain-text")]
    [InlineData("data:image/png;base64,")]
    public async Task A_malformed_data_uri_is_invalid(string reference)
    {
        var problem = await RefusedAsync(NewOwner(), reference, ExpectedMedia.Image);
        Assert.Equal(("invalid_data_uri", 422), (problem.Code, problem.Status));
    }

    [Fact]
    public async Task A_job_output_reference_passes_through_for_JobTracking_to_bind()
    {
        const string reference = "job://job_0123/outputs/images";
        Assert.Equal(reference, await Resolver().ResolveAsync(NewOwner(), reference, ExpectedMedia.Image, default));
    }

    private MediaReferenceResolver Resolver(GatewayAssetsOptions? options = null) =>
        new(fixture.Gateway.Assets, Options.Create(options ?? new GatewayAssetsOptions { MaxDataUriBytes = DataUriLimit }), NullLogger<MediaReferenceResolver>.Instance);

    private Task<MediaReferenceException> RefusedAsync(string owner, string reference, ExpectedMedia expected) =>
        Assert.ThrowsAsync<MediaReferenceException>(() => Resolver().ResolveAsync(owner, reference, expected, default));

    private async Task<Asset> UploadAsync(string owner, byte[] bytes, string contentType)
    {
        using var content = new MemoryStream(bytes);
        return await fixture.Gateway.Assets.UploadAsync(new UploadMetadata { Owner = owner, ContentType = contentType }, content);
    }

    private static string NewOwner() => "owner-" + Guid.NewGuid().ToString("N")[..12];
}
