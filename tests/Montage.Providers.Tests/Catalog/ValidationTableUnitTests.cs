using System.Text.Json.Nodes;
using Montage.Providers.Catalog;

namespace Montage.Providers.Tests.Catalog;

/// <summary>Good and bad requests for every catalog model; a bad one lists every error it must produce ("path:code").</summary>
public sealed class ValidationTableUnitTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Load();
    private static readonly string LongText = new('x', 2501);

    private static readonly (string Model, string Input, string[] Errors)[] Table =
    [
        // fal-ai/ideogram/v3
        ("fal-ai/ideogram/v3", """{"prompt":"a castle"}""", []),
        ("fal-ai/ideogram/v3", """{"prompt":"a castle","rendering_speed":"turbo","image_size":{"width":1280,"height":720},"style":"REALISTIC","expand_prompt":false,"num_images":4,"seed":7,"negative_prompt":"fog","images":["ast_style1"]}""", []),
        ("fal-ai/ideogram/v3", """{"rendering_speed":"FAST","num_images":9,"image_size":"huge","seed":"7","colour":"red"}""",
            ["prompt:required", "rendering_speed:not_in_enum", "num_images:out_of_range", "image_size:not_in_enum", "seed:wrong_type", "colour:unknown_field"]),
        ("fal-ai/ideogram/v3", """{"prompt":"","image_size":{"width":100,"height":720,"depth":3},"images":["not a ref"]}""",
            ["prompt:required", "image_size.width:out_of_range", "image_size.depth:unknown_field", "images[0]:invalid_format"]),

        // fal-ai/flux-pro/kontext/multi
        ("fal-ai/flux-pro/kontext/multi", """{"prompt":"put the knight on the left","images":["ast_bg","ast_knight"]}""", []),
        ("fal-ai/flux-pro/kontext/multi", """{"prompt":"p","images":["ast_bg","https://cdn.example.test/k.png"],"aspect_ratio":"horizontal","guidance_scale":5.5,"num_images":2,"output_format":"png","safety_tolerance":3,"seed":1}""", []),
        ("fal-ai/flux-pro/kontext/multi", """{"prompt":"p","images":[],"aspect_ratio":"5:4","guidance_scale":25,"safety_tolerance":7,"output_format":"gif"}""",
            ["images:out_of_range", "aspect_ratio:not_in_enum", "guidance_scale:out_of_range", "safety_tolerance:out_of_range", "output_format:not_in_enum"]),
        ("fal-ai/flux-pro/kontext/multi", """{"images":"ast_bg","num_images":1.5}""", ["prompt:required", "images:wrong_type", "num_images:wrong_type"]),

        // fal-ai/kling-video/v2.1/pro/image-to-video
        ("fal-ai/kling-video/v2.1/pro/image-to-video", """{"prompt":"she turns","image":"ast_a"}""", []),
        ("fal-ai/kling-video/v2.1/pro/image-to-video", """{"prompt":"she turns","image":"ast_a","end_image":"ast_b","duration":10,"negative_prompt":"blur","cfg_scale":0.7}""", []),
        ("fal-ai/kling-video/v2.1/pro/image-to-video", """{"prompt":"she turns","duration":7,"cfg_scale":2,"generate_audio":true}""",
            ["image:required", "duration:not_in_enum", "cfg_scale:out_of_range", "generate_audio:unknown_field"]),
        ("fal-ai/kling-video/v2.1/pro/image-to-video", $$"""{"prompt":"{{LongText}}","image":"ast_a","duration":"5"}""", ["prompt:too_long", "duration:wrong_type"]),

        // fal-ai/kling-video/v2.6/pro/image-to-video
        ("fal-ai/kling-video/v2.6/pro/image-to-video", """{"prompt":"wind","image":"ast_a"}""", []),
        ("fal-ai/kling-video/v2.6/pro/image-to-video", """{"prompt":"wind","image":"ast_a","end_image":"ast_b","duration":10,"generate_audio":false,"negative_prompt":"n"}""", []),
        ("fal-ai/kling-video/v2.6/pro/image-to-video", """{"prompt":"wind","image":"ast_a","generate_audio":"yes","duration":15,"tail_image":"ast_b"}""",
            ["generate_audio:wrong_type", "duration:not_in_enum", "tail_image:unknown_field"]),

        // fal-ai/ltx-2/image-to-video
        ("fal-ai/ltx-2/image-to-video", """{"prompt":"rain","image":"ast_a"}""", []),
        ("fal-ai/ltx-2/image-to-video", """{"prompt":"rain","image":"ast_a","duration":10,"resolution":"2160p","fps":50,"generate_audio":false}""", []),
        ("fal-ai/ltx-2/image-to-video", """{"prompt":"rain","image":"ast_a","duration":5,"resolution":"720p","fps":30}""",
            ["duration:not_in_enum", "resolution:not_in_enum", "fps:not_in_enum"]),

        // fal-ai/veo3.1/image-to-video
        ("fal-ai/veo3.1/image-to-video", """{"prompt":"the city wakes","image":"ast_a"}""", []),
        ("fal-ai/veo3.1/image-to-video", """{"prompt":"p","image":"data:image/png;base64,iVBORw0KGgo=","aspect_ratio":"vertical","duration":4,"resolution":"4k","generate_audio":true,"negative_prompt":"n","seed":3}""", []),
        ("fal-ai/veo3.1/image-to-video", """{"prompt":"p","image":"ast_a","aspect_ratio":"square","duration":5,"resolution":"8k","seed":-1}""",
            ["aspect_ratio:not_in_enum", "duration:not_in_enum", "resolution:not_in_enum", "seed:out_of_range"]),

        // wan/v2.6/image-to-video
        ("wan/v2.6/image-to-video", """{"prompt":"dance","image":"ast_a"}""", []),
        ("wan/v2.6/image-to-video", """{"prompt":"dance","image":"ast_a","duration":15,"resolution":"720p","audio":"ast_song","negative_prompt":"n","seed":9}""", []),
        ("wan/v2.6/image-to-video", $$"""{"prompt":"{{new string('p', 1501)}}","image":"ast_a","negative_prompt":"{{new string('n', 501)}}","duration":20}""",
            ["prompt:too_long", "negative_prompt:too_long", "duration:not_in_enum"]),

        // avatars (fal v1, fal v2, KIE)
        ("fal-ai/kling-video/v1/pro/ai-avatar", """{"image":"ast_face","audio":"ast_voice"}""", []),
        ("fal-ai/kling-video/v1/pro/ai-avatar", """{"image":"ast_face","audio":"ast_voice","prompt":"smiling"}""", []),
        ("fal-ai/kling-video/v1/pro/ai-avatar", """{"prompt":"smiling","duration":5}""", ["image:required", "audio:required", "duration:unknown_field"]),
        ("fal-ai/kling-video/ai-avatar/v2/pro", """{"image":"ast_face","audio":"https://cdn.example.test/v.mp3"}""", []),
        ("fal-ai/kling-video/ai-avatar/v2/pro", """{"image":42,"audio":["ast_voice"]}""", ["image:wrong_type", "audio:wrong_type"]),
        ("kie/kling/ai-avatar-v1-pro", """{"image":"ast_face","audio":"ast_voice","prompt":"calm"}""", []),
        ("kie/kling/ai-avatar-v1-pro", """{"image":"ast_face"}""", ["audio:required"]),
        ("hedra/character-2", """{"image":"ast_face","audio":"ast_voice"}""", ["model:model_unavailable"]),

        // kie/kling-3.0/video
        ("kie/kling-3.0/video", """{"prompt":"a chase","image":"ast_a"}""", []),
        ("kie/kling-3.0/video", """{"prompt":"@hero runs to @dog","image":"ast_a","end_image":"ast_b","duration":12,"aspect_ratio":"vertical","resolution":"1080p","generate_audio":true,"elements":[{"name":"hero","description":"a tall knight","images":["ast_h1","ast_h2"]},{"name":"dog","images":["ast_d1","ast_d2","ast_d3"]}]}""", []),
        ("kie/kling-3.0/video", """{"image":"ast_a","shots":[{"prompt":"wide shot","duration":4},{"prompt":"close-up","duration":6}]}""", []),
        ("kie/kling-3.0/video", """{"image":"ast_a","duration":10,"shots":[{"prompt":"wide shot","duration":4},{"prompt":"close-up","duration":6}]}""", []),
        ("kie/kling-3.0/video", """{"image":"ast_a"}""", ["prompt:required"]),
        ("kie/kling-3.0/video", """{"image":"ast_a","duration":9,"shots":[{"prompt":"a","duration":4},{"prompt":"b","duration":6}]}""", ["duration:conflict"]),
        ("kie/kling-3.0/video", """{"image":"ast_a","shots":[{"prompt":"a","duration":12},{"prompt":"b","duration":6}]}""", ["shots:out_of_range"]),
        ("kie/kling-3.0/video", $$"""{"image":"ast_a","duration":2,"resolution":"4k","shots":[{"prompt":"a","duration":3},{"duration":0},{"prompt":"{{new string('s', 501)}}","duration":2,"camera":"pan"}]}""",
            ["duration:out_of_range", "resolution:not_in_enum", "shots[1].prompt:required", "shots[1].duration:out_of_range", "shots[2].prompt:too_long", "shots[2].camera:unknown_field"]),
        ("kie/kling-3.0/video", """{"prompt":"p","image":"ast_a","elements":[{"name":"hero","images":["ast_h1"]},{"images":["ast_1","ast_2"]},{"name":"hero","images":["ast_1","ast_2"]},{"name":"x","images":["ast_1","ast_2"]}]}""",
            ["elements:out_of_range", "elements[0].images:out_of_range", "elements[1].name:required"]),
        ("kie/kling-3.0/video", """{"prompt":"p","image":"ast_a","elements":[{"name":"hero","images":["ast_1","ast_2"]},{"name":"Hero","images":["ast_3","ast_4"]}]}""", ["elements[1].name:conflict"]),
        ("kie/kling-3.0/video", """{"prompt":"p","image":"ast_a","shots":[]}""", ["shots:out_of_range"]),

        // kie/kling-3.0/image
        ("kie/kling-3.0/image", """{"prompt":"a lighthouse"}""", []),
        ("kie/kling-3.0/image", """{"prompt":"a lighthouse","aspect_ratio":"21:9","resolution":"2K","images":["ast_ref"]}""", []),
        ("kie/kling-3.0/image", """{"prompt":"p","resolution":"4K","num_images":2}""", ["resolution:not_in_enum", "num_images:unknown_field"]),

        // local/storyboard
        ("local/storyboard", """{"prompt":"INT. KITCHEN - NIGHT"}""", []),
        ("local/storyboard", """{"prompt":"p","image_size":{"width":320,"height":180},"style":"DESIGN","rendering_speed":"TURBO","num_images":2,"seed":5,"negative_prompt":"n"}""", []),
        ("local/storyboard", """{"prompt":"p","image_size":{"width":32,"height":"tall"},"num_images":0}""",
            ["image_size.width:out_of_range", "image_size.height:wrong_type", "num_images:out_of_range"]),

        // local/overlay
        ("local/overlay", """{"prompt":"knight on the left, dog on the right","images":["ast_bg","ast_k","ast_d"]}""", []),
        ("local/overlay", """{"prompt":"p","images":["ast_bg","ast_k"],"aspect_ratio":"square","output_format":"jpeg"}""", []),
        ("local/overlay", """{"prompt":"p","images":["ast_bg"],"aspect_ratio":"4:3"}""", ["images:out_of_range", "aspect_ratio:not_in_enum"]),

        // local/kenburns
        ("local/kenburns", """{"image":"ast_a"}""", []),
        ("local/kenburns", """{"image":"ast_a","end_image":"job://j1/outputs/image","prompt":"fast pan left","duration":2.5,"fps":30,"aspect_ratio":"vertical","resolution":"180p"}""", []),
        ("local/kenburns", """{"image":"ast_a","duration":30,"fps":60,"resolution":"4k"}""", ["duration:out_of_range", "fps:not_in_enum", "resolution:not_in_enum"]),

        // local/avatar
        ("local/avatar", """{"image":"ast_face","audio":"ast_voice"}""", []),
        ("local/avatar", """{"image":"ast_face","audio":"ast_voice","aspect_ratio":"9:16","resolution":"360p","fps":24,"prompt":"p"}""", []),
        ("local/avatar", """{"audio":"","aspect_ratio":"wide"}""", ["image:required", "audio:required", "aspect_ratio:not_in_enum"]),

        // local/assemble
        ("local/assemble", """{"clips":["ast_1"]}""", []),
        ("local/assemble", """{"clips":["ast_1","ast_2"],"transition":"crossfade","transition_duration":0.5,"audio":"ast_music","music_volume":0.3,"duck_music":true,"normalize_loudness":true,"fps":25,"aspect_ratio":"16:9","resolution":"720p"}""", []),
        ("local/assemble", """{"clips":[],"transition":"wipe","transition_duration":3,"music_volume":-1}""",
            ["clips:out_of_range", "transition:not_in_enum", "transition_duration:out_of_range", "music_volume:out_of_range"]),
    ];

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (model, input, errors) in Table)
        {
            data.Add(model, input, string.Join(",", errors));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validation_reports_exactly_the_expected_errors(string modelId, string input, string expectedErrors)
    {
        var result = Catalog.Validate(modelId, JsonNode.Parse(input)!.AsObject());

        var expected = expectedErrors.Length == 0 ? [] : expectedErrors.Split(',');
        var actual = result.Errors.Select(e => $"{e.Path}:{e.Code}").ToArray();
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Length == 0, result.IsValid);
        Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
        if (result.IsValid)
        {
            Assert.NotNull(result.Normalized);
        }
    }

    [Fact]
    public void Every_catalog_model_has_good_and_bad_cases_in_the_table()
    {
        foreach (var model in Catalog.Models)
        {
            Assert.Contains(Table, row => row.Model == model.Id && row.Errors.Length > 0);
            if (model.Available)
            {
                Assert.Contains(Table, row => row.Model == model.Id && row.Errors.Length == 0);
            }
        }
    }

    [Fact]
    public void Normalisation_resolves_aliases_canonical_spelling_and_defaults()
    {
        var result = Catalog.Validate("fal-ai/veo3.1/image-to-video",
            new JsonObject { ["prompt"] = "p", ["image"] = "ast_a", ["aspect_ratio"] = "horizontal", ["resolution"] = "4K" });

        Assert.True(result.IsValid);
        var normalized = result.Normalized!;
        Assert.Equal("16:9", normalized["aspect_ratio"]!.GetValue<string>());
        Assert.Equal("4k", normalized["resolution"]!.GetValue<string>());
        Assert.Equal(8, normalized["duration"]!.GetValue<long>());
        Assert.True(normalized["generate_audio"]!.GetValue<bool>());
    }

    [Fact]
    public void Multi_shot_duration_is_derived_from_the_shots()
    {
        var result = Catalog.Validate("kie/kling-3.0/video", JsonNode.Parse(
            """{"image":"ast_a","shots":[{"prompt":"a","duration":3},{"prompt":"b","duration":4}]}""")!.AsObject());

        Assert.True(result.IsValid);
        Assert.Equal(7, result.Normalized!["duration"]!.GetValue<long>());
    }

    [Fact]
    public void A_null_field_counts_as_absent()
    {
        var result = Catalog.Validate("fal-ai/kling-video/v2.1/pro/image-to-video",
            JsonNode.Parse("""{"prompt":"p","image":"ast_a","end_image":null}""")!.AsObject());

        Assert.True(result.IsValid);
        Assert.False(result.Normalized!.ContainsKey("end_image"));
    }
}
