using Montage.Contracts.Common.V1;
using Montage.FakeProviders;

namespace Montage.Generation.Tests;

/// <summary>ListModels, Validate and Estimate through each service's gRPC endpoint.</summary>
[Collection(GenerationSystemCollection.Name)]
public sealed class ModelQueriesSystemTests(GenerationSystemFixture system)
{
    [Fact]
    public async Task Each_service_lists_only_the_models_of_its_kinds()
    {
        var videos = await system.Videos.ListModelsAsync(new ListModelsRequest());
        var images = await system.Images.ListModelsAsync(new ListModelsRequest());
        var composites = await system.Compositing.ListModelsAsync(new ListModelsRequest { Provider = "local" });

        Assert.All(videos.Models, m => Assert.Contains(m.Kind, new[] { "video.animate", "video.avatar", "video.assemble" }));
        Assert.Contains(videos.Models, m => m.Id == "local/assemble");
        Assert.DoesNotContain(videos.Models, m => m.Id == "hedra/character-2");
        var kling = Assert.Single(videos.Models, m => m.Id == "fal-ai/kling-video/v2.1/pro/image-to-video");
        Assert.False(kling.RequiresCredentials);
        Assert.True(kling.Capabilities.TailFrame);
        Assert.All(images.Models, m => Assert.Equal("image.generate", m.Kind));
        Assert.Equal("local/overlay", Assert.Single(composites.Models).Id);
    }

    [Fact]
    public async Task Validate_returns_every_problem_with_its_path()
    {
        var response = await system.Images.ValidateAsync(new ValidateRequest
        {
            ModelId = "fal-ai/ideogram/v3",
            InputJson = """{"num_images":99,"bogus":true}""",
        });

        Assert.False(response.Valid);
        Assert.Contains(response.Errors, e => e.FieldPath == "prompt" && e.Code == "required");
        Assert.Contains(response.Errors, e => e.FieldPath == "num_images" && e.Code == "range");
        Assert.Contains(response.Errors, e => e.FieldPath == "bogus" && e.Code == "unknown_field");
        Assert.Empty(response.NormalizedInputJson);
    }

    [Fact]
    public async Task Validate_checks_that_assets_exist_for_the_owner_and_are_the_right_media()
    {
        var owner = GenerationSystemFixture.NewOwner();
        var voice = await system.UploadAsync(owner, await TestMedia.ToneAsync(system.WorkDir), "audio/wav");
        var image = await system.UploadAsync(owner, await FakeMedia.GetPathAsync(FakeMediaKind.Image), "image/png");

        var wrongKind = await system.Videos.ValidateAsync(new ValidateRequest
        {
            ModelId = "fal-ai/kling-video/v2.1/pro/image-to-video",
            InputJson = $$"""{"prompt":"x","image":"{{voice}}"}""",
            Owner = owner,
        });
        var otherOwner = await system.Videos.ValidateAsync(new ValidateRequest
        {
            ModelId = "fal-ai/kling-video/v2.1/pro/image-to-video",
            InputJson = $$"""{"prompt":"x","image":"{{image}}"}""",
            Owner = GenerationSystemFixture.NewOwner(),
        });
        var valid = await system.Videos.ValidateAsync(new ValidateRequest
        {
            ModelId = "fal-ai/kling-video/v2.1/pro/image-to-video",
            InputJson = $$"""{"prompt":"x","image":"{{image}}"}""",
            Owner = owner,
        });

        Assert.Equal("asset_kind", Assert.Single(wrongKind.Errors, e => e.FieldPath == "image").Code);
        Assert.Equal("asset_not_found", Assert.Single(otherOwner.Errors, e => e.FieldPath == "image").Code);
        Assert.True(valid.Valid);
        Assert.Contains("\"duration\"", valid.NormalizedInputJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Estimate_prices_the_requested_duration_and_refuses_other_services_models()
    {
        var ten = await system.Videos.EstimateAsync(new EstimateRequest
        {
            ModelId = "fal-ai/kling-video/v2.1/pro/image-to-video",
            InputJson = """{"prompt":"x","image":"ast_x","duration":10}""",
        });
        var foreign = await system.Images.EstimateAsync(new EstimateRequest { ModelId = "local/assemble", InputJson = "{}" });

        // $0.49 for the first 5 s + $0.098 for each further second.
        Assert.Equal(980_000, ten.Estimate.CostMicros);
        Assert.Equal("USD", ten.Estimate.Currency);
        Assert.Null(foreign.Estimate);
        Assert.Equal("unknown_model", Assert.Single(foreign.Errors).Code);
    }
}
