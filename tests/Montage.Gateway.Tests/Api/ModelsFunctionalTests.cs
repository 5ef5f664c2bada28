using System.Net;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Api;

/// <summary>The catalog through the API, cost estimates, and the OpenAPI document with its interactive UI.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ModelsFunctionalTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Models_are_listed_and_filtered_and_a_model_with_slashes_in_its_id_is_found()
    {
        using var tenant = await fixture.NewTenantAsync();
        var all = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/models"))!["data"]!.AsArray();
        Assert.Contains(all, m => m!["id"]!.GetValue<string>() == "local/kenburns");
        var videos = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/models?kind=video.animate&provider=local"))!["data"]!.AsArray();
        Assert.NotEmpty(videos);
        Assert.All(videos, m => Assert.Equal("video.animate", m!["kind"]!.GetValue<string>()));

        var kling = JsonNode.Parse(await tenant.Client.GetStringAsync("/v1/models/fal-ai/kling-video/v2.1/pro/image-to-video"))!;
        Assert.Equal("fal-ai/kling-video/v2.1/pro/image-to-video", kling["id"]!.GetValue<string>());
        var fields = kling["input_fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("image", fields);
        Assert.DoesNotContain("image_url", fields);
        Assert.Equal("USD", kling["price"]!["currency"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_estimate_prices_a_valid_request()
    {
        using var tenant = await fixture.NewTenantAsync();
        using var five = await tenant.Client.PostAsync("/v1/estimates", ApiTestData.Json("""
            {"model": "fal-ai/kling-video/v2.1/pro/image-to-video", "input": {"image": "asset_x1", "prompt": "p", "duration": 5}}
            """));
        using var ten = await tenant.Client.PostAsync("/v1/estimates", ApiTestData.Json("""
            {"model": "fal-ai/kling-video/v2.1/pro/image-to-video", "input": {"image": "asset_x1", "prompt": "p", "duration": 10}}
            """));
        var a = await ApiTestData.ReadJsonAsync(five);
        var b = await ApiTestData.ReadJsonAsync(ten);
        Assert.Equal(HttpStatusCode.OK, five.StatusCode);
        Assert.Equal("USD", a["currency"]!.GetValue<string>());
        Assert.True(a["amount"]!.GetValue<decimal>() > 0);
        Assert.True(b["amount"]!.GetValue<decimal>() > a["amount"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api_and_the_ui_is_served()
    {
        using var client = fixture.CreateClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();
        foreach (var path in new[] { "/v1/videos", "/v1/images", "/v1/jobs/{id}", "/v1/jobs/{id}/events", "/v1/models", "/v1/estimates", "/v1/keys" })
        {
            Assert.True(paths.ContainsKey(path), $"{path} is missing from the OpenAPI document");
        }

        using var ui = await client.GetAsync("/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("swagger", await ui.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
