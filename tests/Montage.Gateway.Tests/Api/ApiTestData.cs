using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Api;

/// <summary>Requests the API tests share: JSON posts and a real PNG uploaded as the tenant's asset.</summary>
public static class ApiTestData
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(JsonNode json) => Json(json.ToJsonString());

    /// <summary>Uploads a fresh PNG through <c>POST /v1/assets</c> and returns its asset id.</summary>
    public static async Task<string> UploadPngAsync(HttpClient client)
    {
        using var content = new ByteArrayContent(await TestPng.CreateAsync());
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await client.PostAsync("/v1/assets", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"upload answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }

    public static JsonObject KenBurns(string imageId, double duration = 2) => new()
    {
        ["model"] = "local/kenburns",
        ["input"] = new JsonObject { ["image"] = imageId, ["prompt"] = "a slow push in", ["duration"] = duration },
    };

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static HttpRequestMessage Post(string path, JsonNode body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return request;
    }

    public static MediaTypeHeaderValue JsonType => new("application/json");
}
