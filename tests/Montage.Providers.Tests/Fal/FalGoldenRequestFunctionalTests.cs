using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Providers.Abstractions;
using Montage.Providers.Tests.Support;

namespace Montage.Providers.Tests.Fal;

/// <summary>What the fal client puts on the wire for each catalog model, exactly as the fake received it.</summary>
public sealed class FalGoldenRequestFunctionalTests : IClassFixture<FalFixture>
{
    private readonly FalFixture fixture;

    public FalGoldenRequestFunctionalTests(FalFixture fixture)
    {
        this.fixture = fixture;
        fixture.Fake.Reset();
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
    }

    public static TheoryData<string> Models() => new(GoldenRequests.Fal().Select(g => g.Model));

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Submit_sends_the_golden_body_headers_and_query_for_each_model(string model)
    {
        var golden = GoldenRequests.Fal().Single(g => g.Model == model).Body;
        var webhook = new Uri("https://gateway.montage.test/v1/webhooks/fal?job=abc&x=1");
        var fal = fixture.CreateProvider();

        await fal.SubmitAsync(new ProviderSubmitRequest(model, golden, webhook)
        {
            StartTimeout = TimeSpan.FromMinutes(10),
            OutputLifetime = TimeSpan.FromHours(2),
        }, default);

        var sent = Assert.Single(fixture.Fake.Submits);
        Assert.Equal("POST", sent.Method);
        Assert.Equal($"/fal/queue/{model}", sent.Path);
        Assert.Equal($"?fal_webhook={Uri.EscapeDataString(webhook.ToString())}", sent.QueryString);
        Assert.Equal(webhook.ToString(), sent.Query("fal_webhook"));
        Assert.Equal(golden.ToJsonString(), sent.BodyText);
        Assert.True(JsonNode.DeepEquals(golden, JsonNode.Parse(sent.Body)));
        Assert.Equal("Key fake-fal-key", sent.Header("Authorization"));
        Assert.Equal("application/json; charset=utf-8", sent.Header("Content-Type"));
        Assert.Equal("600", sent.Header("X-Fal-Request-Timeout"));
        Assert.Equal("{\"expiration_duration_seconds\":7200}", sent.Header("X-Fal-Object-Lifecycle-Preference"));
        Assert.Equal(1, fixture.Fake.Jobs.SubmitCount(model, golden));
    }

    [Fact]
    public async Task Submit_without_webhook_or_options_sends_no_query_and_no_optional_headers()
    {
        var fal = fixture.CreateProvider();
        var body = new JsonObject { ["prompt"] = "plain", ["seed"] = 7, ["expand_prompt"] = false, ["image_size"] = new JsonObject { ["width"] = 1024, ["height"] = 576 } };

        await fal.SubmitAsync(new ProviderSubmitRequest("fal-ai/ideogram/v3", body), default);

        var sent = Assert.Single(fixture.Fake.Submits);
        Assert.Equal(string.Empty, sent.QueryString);
        Assert.Equal("{\"prompt\":\"plain\",\"seed\":7,\"expand_prompt\":false,\"image_size\":{\"width\":1024,\"height\":576}}", sent.BodyText);
        Assert.Null(sent.Header("X-Fal-Request-Timeout"));
        Assert.Null(sent.Header("X-Fal-Object-Lifecycle-Preference"));
    }

    [Fact]
    public void Every_fal_catalog_model_has_a_golden_body()
    {
        var models = GoldenRequests.Fal().Select(g => g.Model).ToList();
        Assert.Contains("fal-ai/ideogram/v3", models);
        Assert.Contains("fal-ai/kling-video/v2.1/pro/image-to-video", models);
        Assert.Contains("wan/v2.6/image-to-video", models);
        Assert.True(models.Count >= 8, $"only {models.Count} fal goldens");
    }
}
