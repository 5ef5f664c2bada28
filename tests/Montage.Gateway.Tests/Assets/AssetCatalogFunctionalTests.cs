using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Assets;

/// <summary>GET /v1/assets (filters, cursor), GET and DELETE /v1/assets/{id}, and tenant isolation.</summary>
[Collection(AssetsGatewayCollection.Name)]
public sealed class AssetCatalogFunctionalTests(AssetsGatewayFixture fixture)
{
    [Fact]
    public async Task Listing_filters_by_kind_and_tags_and_pages_with_a_cursor()
    {
        using var tenant = await fixture.NewTenantAsync();
        var png1 = await AssetsGatewayFixture.UploadAsync(tenant.Client, await AssetTestMedia.UniquePngAsync(), "image/png", "?tag=scene&tag=day");
        var png2 = await AssetsGatewayFixture.UploadAsync(tenant.Client, await AssetTestMedia.UniquePngAsync(), "image/png", "?tag=scene");
        var wav = await AssetsGatewayFixture.UploadAsync(tenant.Client, await AssetTestMedia.WavAsync(), "audio/wav", "?tag=scene&tag=day");

        var images = await ListAsync(tenant.Client, "?kind=image");
        Assert.Equal(Ids(png2, png1), images.Ids);
        var audio = await ListAsync(tenant.Client, "?kind=audio");
        Assert.Equal(Ids(wav), audio.Ids);
        var day = await ListAsync(tenant.Client, "?tags=scene,day");
        Assert.Equal(Ids(wav, png1), day.Ids);

        var first = await ListAsync(tenant.Client, "?limit=2");
        Assert.Equal(Ids(wav, png2), first.Ids);
        Assert.NotNull(first.Cursor);
        var second = await ListAsync(tenant.Client, "?limit=2&cursor=" + Uri.EscapeDataString(first.Cursor!));
        Assert.Equal(Ids(png1), second.Ids);
        Assert.Null(second.Cursor);
    }

    [Theory]
    [InlineData("?kind=hologram", "kind")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=501", "limit")]
    [InlineData("?limit=ten", "limit")]
    public async Task Invalid_list_parameters_answer_400_naming_the_parameter(string query, string field)
    {
        using var tenant = await fixture.NewTenantAsync();
        using var response = await tenant.Client.GetAsync("/v1/assets" + query);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_query");
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
    }

    [Fact]
    public async Task A_cursor_that_was_never_issued_answers_400()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var response = await tenant.Client.GetAsync("/v1/assets?cursor=not-a-cursor");
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task Delete_answers_204_then_the_asset_is_gone()
    {
        using var tenant = await fixture.NewTenantAsync();
        var id = (await AssetsGatewayFixture.UploadAsync(tenant.Client, AssetTestMedia.Random(100), "application/octet-stream"))["id"]!.GetValue<string>();

        using (var deleted = await tenant.Client.DeleteAsync($"/v1/assets/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var again = await tenant.Client.DeleteAsync($"/v1/assets/{id}"))
        {
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.NotFound, "asset_not_found");
        }

        using var get = await tenant.Client.GetAsync($"/v1/assets/{id}");
        await ProblemAssert.IsProblemAsync(get, HttpStatusCode.NotFound, "asset_not_found");
        using var content = await tenant.Client.GetAsync($"/v1/assets/{id}/content");
        await ProblemAssert.IsProblemAsync(content, HttpStatusCode.NotFound, "asset_not_found");
    }

    [Fact]
    public async Task Another_owners_asset_answers_404_everywhere_and_survives()
    {
        using var alice = await fixture.NewTenantAsync();
        using var mallory = await fixture.NewTenantAsync();
        var bytes = AssetTestMedia.Random(256);
        var id = (await AssetsGatewayFixture.UploadAsync(alice.Client, bytes, "application/octet-stream"))["id"]!.GetValue<string>();

        using (var response = await mallory.Client.GetAsync($"/v1/assets/{id}"))
        {
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "asset_not_found");
        }

        using (var response = await mallory.Client.GetAsync($"/v1/assets/{id}/content"))
        {
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "asset_not_found");
        }

        using (var response = await mallory.Client.DeleteAsync($"/v1/assets/{id}"))
        {
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "asset_not_found");
        }

        using (var response = await mallory.Client.PostAsJsonAsync($"/v1/assets/{id}/signed-url", new JsonObject()))
        {
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "asset_not_found");
        }

        Assert.Equal(0, await AssetsGatewayFixture.CountAssetsAsync(mallory.Client));

        // The same bytes uploaded by the other owner make an asset of their own, not access to the first one.
        var theirs = (await AssetsGatewayFixture.UploadAsync(mallory.Client, bytes, "application/octet-stream"))["id"]!.GetValue<string>();
        Assert.NotEqual(id, theirs);
        Assert.Equal(bytes, await alice.Client.GetByteArrayAsync($"/v1/assets/{id}/content"));
    }

    [Theory]
    [InlineData("ast_0123")]
    [InlineData("AST_0123456789abcdef0123456789abcdef")]
    [InlineData("ast_0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    public async Task An_id_that_is_not_an_asset_id_answers_404(string id)
    {
        using var tenant = await fixture.NewTenantAsync();
        using var get = await tenant.Client.GetAsync($"/v1/assets/{id}");
        await ProblemAssert.IsProblemAsync(get, HttpStatusCode.NotFound);
        using var content = await tenant.Client.GetAsync($"/v1/assets/{id}/content");
        await ProblemAssert.IsProblemAsync(content, HttpStatusCode.NotFound);
    }

    private static string[] Ids(params JsonObject[] assets) => [.. assets.Select(a => a["id"]!.GetValue<string>())];

    private static async Task<(string[] Ids, string? Cursor)> ListAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/v1/assets" + query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var page = JsonNode.Parse(text)!;
        var ids = page["data"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()).ToArray();
        return (ids, page["next_cursor"]?.GetValue<string>());
    }
}
