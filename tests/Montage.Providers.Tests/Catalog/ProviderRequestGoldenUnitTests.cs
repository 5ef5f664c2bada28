using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;

namespace Montage.Providers.Tests.Catalog;

/// <summary>The exact bodies sent to fal and KIE for each remote model, compared structurally with checked-in files.</summary>
public sealed class ProviderRequestGoldenUnitTests
{
    private const string AssetBase = "https://assets.montage.test/";
    private static readonly ModelCatalog Catalog = ModelCatalog.Load();

    private static readonly (string Golden, string Model, string Input)[] Cases =
    [
        ("fal-ai_ideogram_v3", "fal-ai/ideogram/v3",
            """{"prompt":"A castle at dawn","rendering_speed":"quality","image_size":"landscape_16_9","style":"REALISTIC","num_images":2,"seed":42,"negative_prompt":"text","images":["ast_style"]}"""),
        ("fal-ai_flux-pro_kontext_multi", "fal-ai/flux-pro/kontext/multi",
            """{"prompt":"Put the knight from the second image on the left of the first image","images":["ast_bg","ast_knight"],"aspect_ratio":"horizontal","seed":7}"""),
        ("fal-ai_kling-video_v2.1_pro_image-to-video", "fal-ai/kling-video/v2.1/pro/image-to-video",
            """{"prompt":"She turns to the window","image":"ast_first","end_image":"ast_last","duration":5}"""),
        ("fal-ai_kling-video_v2.6_pro_image-to-video", "fal-ai/kling-video/v2.6/pro/image-to-video",
            """{"prompt":"Wind in the trees","image":"ast_first","end_image":"ast_last","duration":10,"generate_audio":false}"""),
        ("fal-ai_ltx-2_image-to-video", "fal-ai/ltx-2/image-to-video",
            """{"prompt":"Rain on the street","image":"ast_first","duration":8,"resolution":"1440p","fps":50}"""),
        ("fal-ai_veo3.1_image-to-video", "fal-ai/veo3.1/image-to-video",
            """{"prompt":"The city wakes","image":"ast_first","aspect_ratio":"vertical","duration":8,"generate_audio":false,"seed":3}"""),
        ("wan_v2.6_image-to-video", "wan/v2.6/image-to-video",
            """{"prompt":"They dance","image":"ast_first","duration":10,"resolution":"720p","audio":"ast_song","negative_prompt":"blurry"}"""),
        ("fal-ai_kling-video_v1_pro_ai-avatar", "fal-ai/kling-video/v1/pro/ai-avatar",
            """{"image":"ast_face","audio":"ast_voice"}"""),
        ("fal-ai_kling-video_ai-avatar_v2_pro", "fal-ai/kling-video/ai-avatar/v2/pro",
            """{"image":"ast_face","audio":"ast_voice","prompt":"Warm smile"}"""),
        ("kie_kling-3.0_video.elements", "kie/kling-3.0/video",
            """{"prompt":"@hero walks his @dog along the pier","image":"ast_first","end_image":"ast_last","duration":10,"aspect_ratio":"horizontal","resolution":"1080p","generate_audio":true,"elements":[{"name":"hero","description":"a tall knight in silver armour","images":["ast_h1","ast_h2"]},{"name":"dog","images":["ast_d1","ast_d2","ast_d3"]}]}"""),
        ("kie_kling-3.0_video.multi-shot", "kie/kling-3.0/video",
            """{"image":"ast_first","shots":[{"prompt":"Wide shot of the harbour","duration":4},{"prompt":"Close-up of the captain","duration":5}]}"""),
        ("kie_kling-3.0_image", "kie/kling-3.0/image",
            """{"prompt":"A lighthouse in a storm","aspect_ratio":"vertical","images":["ast_ref"]}"""),
        ("kie_kling_ai-avatar-v1-pro", "kie/kling/ai-avatar-v1-pro",
            """{"image":"ast_face","audio":"ast_voice","prompt":"Calm"}"""),
    ];

    public static TheoryData<string, string, string> GoldenCases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (golden, model, input) in Cases)
        {
            data.Add(golden, model, input);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void The_provider_body_matches_the_golden_file(string golden, string modelId, string input)
    {
        var validated = Catalog.Validate(modelId, JsonNode.Parse(input)!.AsObject());
        Assert.True(validated.IsValid, string.Join("; ", validated.Errors));

        var media = ProviderRequestBuilder.MediaReferences(validated.Model!, validated.Normalized!)
            .ToDictionary(reference => reference, reference => AssetBase + reference["ast_".Length..]);
        var body = ModelCatalog.BuildProviderRequest(validated, media);

        var expected = JsonNode.Parse(File.ReadAllText(GoldenPath(golden)));
        Assert.True(JsonNode.DeepEquals(expected, body), $"Expected {expected!.ToJsonString()}\nActual   {body.ToJsonString()}");
    }

    [Fact]
    public void The_submit_request_carries_the_endpoint_and_for_kie_only_the_input_object()
    {
        var (golden, modelId, input) = Cases.Single(c => c.Golden == "kie_kling-3.0_video.multi-shot");
        var validated = Catalog.Validate(modelId, JsonNode.Parse(input)!.AsObject());
        var media = new Dictionary<string, string> { ["ast_first"] = AssetBase + "first" };

        var request = ProviderRequestBuilder.BuildSubmitRequest(validated.Model!, validated.Normalized!, media, new Uri("https://hooks.example.test/kie"));

        Assert.Equal("kling-3.0/video", request.ModelEndpoint);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(GoldenPath(golden)))!["input"], request.Body));
        Assert.Equal(new Uri("https://hooks.example.test/kie"), request.WebhookUrl);

        var fal = Catalog.Validate("fal-ai/kling-video/v2.1/pro/image-to-video", new JsonObject { ["prompt"] = "p", ["image"] = "ast_first" });
        var falRequest = ProviderRequestBuilder.BuildSubmitRequest(fal.Model!, fal.Normalized!, media);
        Assert.Equal("fal-ai/kling-video/v2.1/pro/image-to-video", falRequest.ModelEndpoint);
        Assert.Equal(AssetBase + "first", falRequest.Body["image_url"]!.GetValue<string>());
    }

    [Fact]
    public void Every_available_remote_model_has_a_golden_body()
    {
        var remote = Catalog.Models.Where(m => m.Available && m.Provider != ProviderNames.Local);
        Assert.All(remote, model => Assert.Contains(Cases, c => c.Model == model.Id));
        Assert.All(Cases, c => Assert.True(File.Exists(GoldenPath(c.Golden)), c.Golden));
    }

    [Fact]
    public void An_unresolved_asset_reference_is_refused_but_urls_pass_through()
    {
        var validated = Catalog.Validate("fal-ai/kling-video/v2.1/pro/image-to-video",
            new JsonObject { ["prompt"] = "p", ["image"] = "ast_first", ["end_image"] = "https://cdn.example.test/last.png" });

        Assert.Throws<ArgumentException>(() => ModelCatalog.BuildProviderRequest(validated, new Dictionary<string, string>()));

        var body = ModelCatalog.BuildProviderRequest(validated, new Dictionary<string, string> { ["ast_first"] = "https://signed.example.test/f" });
        Assert.Equal("https://signed.example.test/f", body["image_url"]!.GetValue<string>());
        Assert.Equal("https://cdn.example.test/last.png", body["tail_image_url"]!.GetValue<string>());
    }

    [Fact]
    public void An_invalid_or_unavailable_request_cannot_be_built()
    {
        var invalid = Catalog.Validate("fal-ai/veo3.1/image-to-video", new JsonObject { ["prompt"] = "p" });
        Assert.Throws<InvalidModelInputException>(() => ModelCatalog.BuildProviderRequest(invalid, new Dictionary<string, string>()));

        var hedra = Catalog.Get("hedra/character-2");
        Assert.Throws<InvalidOperationException>(() => ProviderRequestBuilder.Build(hedra, new JsonObject(), new Dictionary<string, string>()));
    }

    [Fact]
    public void Media_references_are_collected_from_nested_lists()
    {
        var validated = Catalog.Validate("kie/kling-3.0/video", JsonNode.Parse(
            """{"prompt":"@a","image":"ast_1","end_image":"ast_2","elements":[{"name":"a","images":["ast_3","ast_1"]}]}""")!.AsObject());

        Assert.Equal(["ast_1", "ast_2", "ast_3"], ProviderRequestBuilder.MediaReferences(validated.Model!, validated.Normalized!));
    }

    private static string GoldenPath(string name, [CallerFilePath] string sourceFile = "") =>
        Path.Combine(Path.GetDirectoryName(sourceFile)!, "Golden", name + ".json");
}
