using System.Text.Json.Nodes;
using Montage.Providers.Catalog;
using Montage.Providers.Local;

namespace Montage.Providers.Tests.Catalog;

/// <summary>Motion prompts built from shot metadata, and how video.animate requests carry them to every provider.</summary>
public sealed class MotionPromptUnitTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Load();
    private static readonly Dictionary<string, string> Media = new() { ["ast_a"] = "https://files.example.test/a.png" };

    [Theory]
    [InlineData("""{"camera_language":"Slow dolly in","energy":0.9,"environment":"foggy harbour at dawn","symbolic_elements":["lighthouse","gull","anchor"]}""",
        "Slow dolly in, dynamic motion, foggy harbour at dawn, featuring lighthouse and gull")]
    [InlineData("""{"camera_language":"Handheld close-up","energy":0.1}""", "Handheld close-up, subtle motion")]
    [InlineData("""{"energy":0.5,"environment":"a quiet library"}""", "a quiet library")]
    [InlineData("""{"energy":0.7}""", "Natural cinematic motion, smooth camera movement")]
    [InlineData("""{"energy":0.3}""", "Natural cinematic motion, smooth camera movement")]
    [InlineData("""{"energy":0.71}""", "dynamic motion")]
    [InlineData("""{"energy":0.29}""", "subtle motion")]
    [InlineData("""{"symbolic_elements":["a red kite"]}""", "featuring a red kite")]
    [InlineData("""{"camera_language":"  ","environment":"","symbolic_elements":[" ",""]}""", "Natural cinematic motion, smooth camera movement")]
    [InlineData("""{}""", "Natural cinematic motion, smooth camera movement")]
    public void A_shot_becomes_a_motion_prompt(string shot, string prompt) =>
        Assert.Equal(prompt, MotionPrompt.Build(JsonNode.Parse(shot)!.AsObject()));

    [Theory]
    [InlineData("horizontal", "16:9")]
    [InlineData("Vertical", "9:16")]
    [InlineData("square", "1:1")]
    [InlineData("16:9", "16:9")]
    [InlineData("diagonal", null)]
    [InlineData(null, null)]
    public void A_shot_aspect_names_an_aspect_ratio(string? aspect, string? ratio) => Assert.Equal(ratio, MotionPrompt.AspectRatio(aspect));

    public static TheoryData<string> AnimateModels() => new(Catalog.Models.Where(m => m.Kind == JobKinds.VideoAnimate && m.Available).Select(m => m.Id));

    [Theory]
    [MemberData(nameof(AnimateModels))]
    public void Every_animate_model_builds_its_prompt_from_shot_metadata_and_never_sends_the_shot(string modelId)
    {
        var input = new JsonObject
        {
            ["image"] = "ast_a",
            ["shot"] = new JsonObject { ["camera_language"] = "Slow push in", ["energy"] = 0.2, ["environment"] = "rainy street" },
        };

        var result = Catalog.Validate(modelId, input);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.Path}:{e.Code}")));
        var body = ProviderRequestBuilder.BuildInput(result.Model!, result.Normalized!, Media);
        Assert.Equal("Slow push in, subtle motion, rainy street", body["prompt"]!.GetValue<string>());
        Assert.DoesNotContain("\"shot\"", body.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("camera_language", body.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AnimateModels))]
    public void A_prompt_given_with_a_shot_wins(string modelId)
    {
        var result = Catalog.Validate(modelId, new JsonObject { ["image"] = "ast_a", ["prompt"] = "she turns", ["shot"] = new JsonObject { ["energy"] = 1 } });

        Assert.True(result.IsValid);
        Assert.Equal("she turns", ProviderRequestBuilder.BuildInput(result.Model!, result.Normalized!, Media)["prompt"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("fal-ai/kling-video/v2.1/pro/image-to-video", """{"image":"ast_a"}""", "prompt:required")]
    [InlineData("fal-ai/kling-video/v2.1/pro/image-to-video", """{"image":"ast_a","shot":{"energy":1.5,"mood":"tense"}}""", "shot.energy:out_of_range,shot.mood:unknown_field")]
    [InlineData("wan/v2.6/image-to-video", """{"image":"ast_a","shot":{"symbolic_elements":"kite"}}""", "shot.symbolic_elements:wrong_type")]
    [InlineData("wan/v2.6/image-to-video", """{"image":"ast_a","shot":{"symbolic_elements":["kite",""]}}""", "shot.symbolic_elements[1]:too_short")]
    [InlineData("fal-ai/veo3.1/image-to-video", """{"image":"ast_a","shot":{"aspect":"square"}}""", "shot.aspect:not_in_enum")]
    [InlineData("kie/kling-3.0/video", """{"image":"ast_a"}""", "prompt:required")]
    [InlineData("fal-ai/ltx-2/image-to-video", """{"image":"ast_a","shot":"slow pan"}""", "shot:wrong_type")]
    public void Bad_shot_metadata_is_refused_with_its_path(string modelId, string input, string errors)
    {
        var result = Catalog.Validate(modelId, JsonNode.Parse(input)!.AsObject());

        Assert.False(result.IsValid);
        Assert.Equal(errors.Split(',').Order(), result.Errors.Select(e => $"{e.Path}:{e.Code}").Order());
    }

    [Theory]
    [InlineData("kie/kling-3.0/video", """{"image":"ast_a","shot":{"aspect":"vertical"}}""", "9:16")]
    [InlineData("kie/kling-3.0/video", """{"image":"ast_a","shot":{"aspect":"square"}}""", "1:1")]
    [InlineData("kie/kling-3.0/video", """{"image":"ast_a","aspect_ratio":"16:9","shot":{"aspect":"vertical"}}""", "16:9")]
    [InlineData("fal-ai/veo3.1/image-to-video", """{"image":"ast_a","shot":{"aspect":"horizontal"}}""", "16:9")]
    [InlineData("local/kenburns", """{"image":"ast_a","shot":{"aspect":"9:16"}}""", "9:16")]
    public void The_shot_aspect_sets_the_aspect_ratio_unless_one_is_given(string modelId, string input, string ratio)
    {
        var result = Catalog.Validate(modelId, JsonNode.Parse(input)!.AsObject());

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.Path}:{e.Code}")));
        Assert.Equal(ratio, result.Normalized!["aspect_ratio"]!.GetValue<string>());
    }

    [Fact]
    public void Multi_shot_prompts_are_not_replaced_by_a_shot_prompt()
    {
        var result = Catalog.Validate("kie/kling-3.0/video", JsonNode.Parse(
            """{"image":"ast_a","shots":[{"prompt":"one","duration":3},{"prompt":"two","duration":2}],"shot":{"energy":0.9}}""")!.AsObject());

        Assert.True(result.IsValid);
        var body = ProviderRequestBuilder.BuildInput(result.Model!, result.Normalized!, Media);
        Assert.Null(body["prompt"]);
        Assert.Equal(2, body["multi_prompt"]!.AsArray().Count);
    }

    [Fact]
    public void The_local_default_prompt_does_not_hide_the_shot_and_dynamic_energy_speeds_the_camera()
    {
        var result = Catalog.Validate("local/kenburns", JsonNode.Parse("""{"image":"ast_a","shot":{"camera_language":"pan left","energy":0.8}}""")!.AsObject());

        Assert.True(result.IsValid);
        Assert.Null(result.Normalized!["prompt"]);
        var prompt = ProviderRequestBuilder.BuildInput(result.Model!, result.Normalized!, Media)["prompt"]!.GetValue<string>();
        Assert.Equal("pan left, dynamic motion", prompt);
        Assert.Equal(new MotionPlan(CameraMove.PanLeft, 1.6), MotionParser.Parse(prompt));
        // Without shot metadata the catalog's own default still applies.
        Assert.Equal("slow zoom in", Catalog.Validate("local/kenburns", new JsonObject { ["image"] = "ast_a" }).Normalized!["prompt"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(AnimateModels))]
    public void The_longest_shot_prompt_the_schema_allows_fits_the_model_prompt_limit(string modelId)
    {
        var elements = new JsonArray(new string('e', 200), new string('f', 200), new string('g', 200));
        var shot = new JsonObject { ["camera_language"] = new string('c', 500), ["energy"] = 0.9, ["environment"] = new string('v', 500), ["symbolic_elements"] = elements };
        var result = Catalog.Validate(modelId, new JsonObject { ["image"] = "ast_a", ["shot"] = shot });

        Assert.True(result.IsValid);
        var prompt = ProviderRequestBuilder.BuildInput(result.Model!, result.Normalized!, Media)["prompt"]!.GetValue<string>();
        Assert.StartsWith(new string('c', 500) + ", dynamic motion, ", prompt, StringComparison.Ordinal);
        Assert.InRange(prompt.Length, 1000, result.Model!.Field("prompt")!.MaxLength!.Value);
    }

    [Fact]
    public void Subtitles_come_as_a_file_or_as_text_not_both()
    {
        var both = Catalog.Validate("local/assemble", JsonNode.Parse("""{"clips":["ast_1"],"subtitles":"ast_srt","subtitles_text":"1\n00:00:00,000 --> 00:00:01,000\nHi\n"}""")!.AsObject());
        var text = Catalog.Validate("local/assemble", JsonNode.Parse("""{"clips":["ast_1"],"subtitles_text":"1\n00:00:00,000 --> 00:00:01,000\nHi\n"}""")!.AsObject());
        var file = Catalog.Validate("local/assemble", JsonNode.Parse("""{"clips":["ast_1"],"subtitles":"ast_srt"}""")!.AsObject());

        Assert.Equal(["subtitles_text:conflict"], both.Errors.Select(e => $"{e.Path}:{e.Code}"));
        Assert.True(text.IsValid);
        Assert.True(file.IsValid);
        Assert.Contains("ast_srt", ProviderRequestBuilder.MediaReferences(file.Model!, file.Normalized!));
    }
}
