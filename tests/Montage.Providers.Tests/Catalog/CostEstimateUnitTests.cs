using System.Text.Json.Nodes;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;

namespace Montage.Providers.Tests.Catalog;

public sealed class CostEstimateUnitTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Load();

    [Theory]
    // Ideogram: per image by rendering speed.
    [InlineData("fal-ai/ideogram/v3", """{"prompt":"p"}""", "0.06")]
    [InlineData("fal-ai/ideogram/v3", """{"prompt":"p","rendering_speed":"TURBO","num_images":4}""", "0.12")]
    [InlineData("fal-ai/ideogram/v3", """{"prompt":"p","rendering_speed":"QUALITY","num_images":2}""", "0.18")]
    [InlineData("fal-ai/flux-pro/kontext/multi", """{"prompt":"p","images":["ast_a","ast_b"],"num_images":3}""", "0.12")]
    // Kling 2.1: $0.49 for 5 s, then $0.098 per second.
    [InlineData("fal-ai/kling-video/v2.1/pro/image-to-video", """{"prompt":"p","image":"ast_a"}""", "0.49")]
    [InlineData("fal-ai/kling-video/v2.1/pro/image-to-video", """{"prompt":"p","image":"ast_a","duration":10}""", "0.98")]
    // Kling 2.6: per second, doubled with audio (audio is on by default).
    [InlineData("fal-ai/kling-video/v2.6/pro/image-to-video", """{"prompt":"p","image":"ast_a"}""", "0.70")]
    [InlineData("fal-ai/kling-video/v2.6/pro/image-to-video", """{"prompt":"p","image":"ast_a","generate_audio":false,"duration":10}""", "0.70")]
    [InlineData("fal-ai/kling-video/v2.6/pro/image-to-video", """{"prompt":"p","image":"ast_a","duration":10}""", "1.40")]
    // LTX-2: per second by resolution.
    [InlineData("fal-ai/ltx-2/image-to-video", """{"prompt":"p","image":"ast_a"}""", "0.36")]
    [InlineData("fal-ai/ltx-2/image-to-video", """{"prompt":"p","image":"ast_a","resolution":"1440p","duration":10}""", "1.20")]
    [InlineData("fal-ai/ltx-2/image-to-video", """{"prompt":"p","image":"ast_a","resolution":"2160p","duration":8}""", "1.92")]
    // Veo 3.1: per second by audio and resolution.
    [InlineData("fal-ai/veo3.1/image-to-video", """{"prompt":"p","image":"ast_a"}""", "3.20")]
    [InlineData("fal-ai/veo3.1/image-to-video", """{"prompt":"p","image":"ast_a","generate_audio":false,"duration":4}""", "0.80")]
    [InlineData("fal-ai/veo3.1/image-to-video", """{"prompt":"p","image":"ast_a","resolution":"4k","generate_audio":false}""", "3.20")]
    [InlineData("fal-ai/veo3.1/image-to-video", """{"prompt":"p","image":"ast_a","resolution":"4k","duration":6}""", "3.60")]
    // Wan 2.6: per second by resolution.
    [InlineData("wan/v2.6/image-to-video", """{"prompt":"p","image":"ast_a","resolution":"720p","duration":15}""", "1.50")]
    [InlineData("wan/v2.6/image-to-video", """{"prompt":"p","image":"ast_a"}""", "0.75")]
    // KIE Kling 3.0: per second by mode and sound; multi-shot bills the sum of the shots.
    [InlineData("kie/kling-3.0/video", """{"prompt":"p","image":"ast_a"}""", "0.50")]
    [InlineData("kie/kling-3.0/video", """{"prompt":"p","image":"ast_a","resolution":"1080p","generate_audio":true,"duration":10}""", "2.00")]
    [InlineData("kie/kling-3.0/video", """{"image":"ast_a","shots":[{"prompt":"a","duration":3},{"prompt":"b","duration":4}]}""", "0.70")]
    [InlineData("kie/kling-3.0/image", """{"prompt":"p"}""", "0.028")]
    // Local models are free.
    [InlineData("local/storyboard", """{"prompt":"p","num_images":3}""", "0")]
    [InlineData("local/kenburns", """{"image":"ast_a"}""", "0")]
    [InlineData("local/assemble", """{"clips":["ast_a","ast_b"]}""", "0")]
    public void The_estimate_follows_the_price_rule(string modelId, string input, string expectedUsd)
    {
        var estimate = Catalog.Estimate(modelId, JsonNode.Parse(input)!.AsObject());

        var expected = decimal.Parse(expectedUsd, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, estimate.Usd);
        Assert.Equal((long)(expected * 1_000_000m), estimate.MicroUsd);
        Assert.False(string.IsNullOrWhiteSpace(estimate.Basis));
    }

    [Fact]
    public void Avatar_cost_follows_the_audio_length_when_known()
    {
        var input = new JsonObject { ["image"] = "ast_face", ["audio"] = "ast_voice" };

        var known = Catalog.Estimate("fal-ai/kling-video/v1/pro/ai-avatar", input, new EstimateContext(MediaDurationSeconds: 11.2m));
        Assert.Equal(12, known.Quantity);
        Assert.Equal(1.38m, known.Usd);
        Assert.False(known.QuantityAssumed);
        Assert.False(known.Confirmed);

        var assumed = Catalog.Estimate("fal-ai/kling-video/v1/pro/ai-avatar", input.DeepClone().AsObject());
        Assert.True(assumed.QuantityAssumed);
        Assert.Equal(10, assumed.Quantity);
        Assert.Contains("assumed", assumed.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void Confirmed_rates_say_so()
    {
        Assert.True(Catalog.Estimate("fal-ai/ideogram/v3", new JsonObject { ["prompt"] = "p" }).Confirmed);
        Assert.False(Catalog.Estimate("wan/v2.6/image-to-video", new JsonObject { ["prompt"] = "p", ["image"] = "ast_a" }).Confirmed);
    }

    [Fact]
    public void Micro_usd_rounds_half_away_from_zero()
    {
        var model = Catalog.Get("kie/kling-3.0/image") with
        {
            Price = new PriceRule { Per = "image", Quantity = "request", Rates = [new PriceRate { Usd = 0.0000005m }] },
        };

        Assert.Equal(1, CostEstimator.Estimate(model, new JsonObject { ["prompt"] = "p" }).MicroUsd);
    }

    [Fact]
    public void Estimating_an_invalid_request_throws_with_every_error()
    {
        var error = Assert.Throws<InvalidModelInputException>(() =>
            Catalog.Estimate("fal-ai/ideogram/v3", new JsonObject { ["num_images"] = 20 }));

        Assert.Equal(2, error.Result.Errors.Count);
    }

    [Fact]
    public void Every_available_model_can_be_estimated_from_its_minimal_request()
    {
        foreach (var model in Catalog.Models.Where(m => m.Available))
        {
            var minimal = new JsonObject();
            foreach (var field in model.Fields.Where(f => f.Required))
            {
                minimal[field.Name] = field.Type switch
                {
                    FieldType.MediaList => new JsonArray(Enumerable.Range(0, field.MinItems ?? 1).Select(i => (JsonNode?)$"ast_{i}").ToArray()),
                    _ => "ast_x",
                };
            }

            if (model.Rules.Contains(CrossFieldRules.PromptOrShots) || model.Rules.Contains(CrossFieldRules.PromptOrShot))
            {
                minimal["prompt"] = "p";
            }

            var estimate = Catalog.Estimate(model.Id, minimal);
            Assert.True(estimate.Usd >= 0, model.Id);
            Assert.Equal(model.Provider == ProviderNames.Local, estimate.Usd == 0);
        }
    }
}
