using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Providers.Abstractions;
using Montage.Providers.Tests.Support;

namespace Montage.Providers.Tests.Kie;

/// <summary>What the KIE client puts on the wire for each catalog model (kling_elements and multi-shot pass through).</summary>
public sealed class KieGoldenRequestFunctionalTests : IClassFixture<KieFixture>
{
    private readonly KieFixture fixture;

    public KieGoldenRequestFunctionalTests(KieFixture fixture)
    {
        this.fixture = fixture;
        fixture.Fake.Reset();
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
    }

    public static TheoryData<string> Goldens() => new(GoldenRequests.Kie().Select(g => g.Name));

    [Theory]
    [MemberData(nameof(Goldens))]
    public async Task CreateTask_sends_model_callback_and_the_golden_input_exactly(string name)
    {
        var (_, model, input) = GoldenRequests.Kie().Single(g => g.Name == name);
        var callback = new Uri("https://gateway.montage.test/v1/webhooks/kie?job=42");
        var kie = fixture.CreateProvider();

        await kie.SubmitAsync(new ProviderSubmitRequest(model, input, callback), default);

        var sent = Assert.Single(fixture.Fake.Submits);
        var expected = new JsonObject { ["model"] = model, ["callBackUrl"] = callback.ToString(), ["input"] = input.DeepClone() };
        Assert.Equal(expected.ToJsonString(), sent.BodyText);
        Assert.Equal("/kie/api/v1/jobs/createTask", sent.Path);
        Assert.Equal(string.Empty, sent.QueryString);
        Assert.Equal("Bearer fake-kie-key", sent.Header("Authorization"));
        Assert.Equal("application/json; charset=utf-8", sent.Header("Content-Type"));
        Assert.Equal(1, fixture.Fake.Jobs.SubmitCount(model, input));
    }

    [Fact]
    public async Task Multi_shot_with_elements_passes_through_untouched_and_without_callback_omits_it()
    {
        var input = new JsonObject
        {
            ["prompt"] = "@hero meets @dog",
            ["multi_shots"] = true,
            ["multi_prompt"] = new JsonArray(
                new JsonObject { ["prompt"] = "@hero enters", ["duration"] = 3 },
                new JsonObject { ["prompt"] = "@dog barks", ["duration"] = 4 }),
            ["kling_elements"] = new JsonArray(new JsonObject
            {
                ["name"] = "hero",
                ["description"] = "a knight",
                ["element_input_urls"] = new JsonArray("https://a/h1.png", "https://a/h2.png"),
            }),
            ["sound"] = false,
            ["mode"] = "pro",
        };
        var kie = fixture.CreateProvider();

        await kie.SubmitAsync(new ProviderSubmitRequest("kling-3.0/video", input), default);

        Assert.Equal(
            "{\"model\":\"kling-3.0/video\",\"input\":{\"prompt\":\"@hero meets @dog\",\"multi_shots\":true,\"multi_prompt\":[{\"prompt\":\"@hero enters\",\"duration\":3},{\"prompt\":\"@dog barks\",\"duration\":4}],\"kling_elements\":[{\"name\":\"hero\",\"description\":\"a knight\",\"element_input_urls\":[\"https://a/h1.png\",\"https://a/h2.png\"]}],\"sound\":false,\"mode\":\"pro\"}}",
            Assert.Single(fixture.Fake.Submits).BodyText);
    }

    [Fact]
    public void Every_kie_catalog_model_has_a_golden_body()
    {
        var models = GoldenRequests.Kie().Select(g => g.Model).Distinct().ToList();
        Assert.Contains("kling-3.0/video", models);
        Assert.Contains("kling-3.0/image", models);
        Assert.Contains("kling/ai-avatar-v1-pro", models);
    }
}
