using Montage.Contracts.Assets.V1;
using Montage.Contracts.Jobs.V1;
using Montage.FakeProviders;
using Montage.Providers.Catalog;

namespace Montage.Generation.Tests;

/// <summary>fal and KIE models against the fake servers: success for each kind, and the faults a provider really shows.</summary>
[Collection(GenerationSystemCollection.Name)]
public sealed class HostedProviderSystemTests(GenerationSystemFixture system)
{
    [Theory]
    [InlineData("image.generate", "fal-ai/ideogram/v3")]
    [InlineData("image.composite", "fal-ai/flux-pro/kontext/multi")]
    [InlineData("video.animate", "fal-ai/kling-video/v2.1/pro/image-to-video")]
    [InlineData("video.avatar", "fal-ai/kling-video/v1/pro/ai-avatar")]
    [InlineData("image.generate", "kie/kling-3.0/image")]
    [InlineData("video.animate", "kie/kling-3.0/video")]
    [InlineData("video.avatar", "kie/kling/ai-avatar-v1-pro")]
    public async Task A_hosted_job_is_submitted_once_woken_by_its_webhook_and_its_outputs_are_stored(string kind, string model)
    {
        system.ResetFakes();
        var owner = GenerationSystemFixture.NewOwner();
        var image = await system.UploadAsync(owner, await FakeMedia.GetPathAsync(FakeMediaKind.Image), "image/png");
        var voice = await system.UploadAsync(owner, await TestMedia.ToneAsync(system.WorkDir), "audio/wav");
        var input = kind switch
        {
            "image.generate" => """{"prompt":"a red fox"}""",
            "image.composite" => $$"""{"prompt":"fox in the forest","images":["{{image}}","{{image}}"]}""",
            "video.animate" => $$"""{"prompt":"the fox runs","image":"{{image}}"}""",
            _ => $$"""{"image":"{{image}}","audio":"{{voice}}"}""",
        };

        var job = await system.SubmitAsync(kind, model, input, owner);
        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        var output = Assert.Single(done.Outputs);
        Assert.Equal(kind.StartsWith("video.", StringComparison.Ordinal) ? "video" : "images", output.Key);
        var asset = await system.Assets.StatAsync(new StatAssetRequest { AssetId = output.Value.AssetIds[0], Owner = owner });
        // The fakes return the same bytes as the uploaded input image, and the store keeps one asset per content and
        // owner, so the output's own source may be the earlier upload: check ownership and media, not provenance.
        Assert.Equal(owner, asset.Owner);
        Assert.StartsWith(kind.StartsWith("video.", StringComparison.Ordinal) ? "video/" : "image/", asset.ContentType, StringComparison.Ordinal);

        var fake = model.StartsWith("kie/", StringComparison.Ordinal) ? system.Kie.Jobs : system.Fal.Jobs;
        Assert.Equal(1, fake.TotalSubmits);
        var submitted = Assert.Single(fake.Jobs);
        Assert.Equal(done.ProviderCheckpoint.RequestId, submitted.Id);
        if (kind != "image.generate")
        {
            // The input reached the provider as a URL of the provider's own storage, not as a bare asset id.
            var storage = model.StartsWith("kie/", StringComparison.Ordinal) ? system.Kie.HostUrl.ToString() : system.Fal.CdnUrl.ToString();
            Assert.Contains(storage, submitted.Input.ToJsonString(), StringComparison.Ordinal);
            Assert.DoesNotContain($"\"{image}\"", submitted.Input.ToJsonString(), StringComparison.Ordinal);
        }

        var voiceAsset = await system.Assets.StatAsync(new StatAssetRequest { AssetId = voice, Owner = owner });
        var audioSeconds = kind == "video.avatar" ? (decimal)voiceAsset.Media.Duration.ToTimeSpan().TotalSeconds : (decimal?)null;
        var expected = CostEstimator.Estimate(ModelCatalog.Load().Get(model), ModelCatalog.Load().Validate(model, System.Text.Json.Nodes.JsonNode.Parse(input)!.AsObject()).Normalized!, new EstimateContext(audioSeconds));
        Assert.Equal(expected.MicroUsd, done.ActualCostMicros);
        Assert.True(done.ActualCostMicros > 0);
    }

    [Fact]
    public async Task Rate_limited_submits_are_retried_after_backoff_and_paid_once()
    {
        system.ResetFakes();
        // The client retries once by itself; a third 429 would be the job's second attempt, which the fake accepts.
        system.Fal.Faults.RateLimit(FakeOperation.Submit, retryAfterSeconds: 1, times: 2);
        var job = await system.SubmitAsync("image.generate", "fal-ai/ideogram/v3", """{"prompt":"rate limited fox"}""", GenerationSystemFixture.NewOwner());

        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        Assert.Equal(2, done.Attempts);
        Assert.Equal(1, system.Fal.Jobs.TotalSubmits);
    }

    [Fact]
    public async Task A_kie_maintenance_answer_inside_the_envelope_is_retried()
    {
        system.ResetFakes();
        system.Kie.Faults.Add(FakeOperation.Submit, new EnvelopeFault(455, "maintenance"), times: 2);
        var job = await system.SubmitAsync("image.generate", "kie/kling-3.0/image", """{"prompt":"kie outage fox"}""", GenerationSystemFixture.NewOwner());

        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        Assert.Equal(2, done.Attempts);
        Assert.Equal(1, system.Kie.Jobs.TotalSubmits);
    }

    [Fact]
    public async Task A_content_policy_refusal_fails_the_job_without_retrying()
    {
        system.ResetFakes();
        system.Fal.Jobs.EnqueueOutcome(FakeJobOutcome.ContentPolicy);
        var job = await system.SubmitAsync("image.generate", "fal-ai/ideogram/v3", """{"prompt":"forbidden fox"}""", GenerationSystemFixture.NewOwner());

        var done = await system.WaitForEndAsync(job.Id);

        Assert.Equal(JobState.Failed, done.State);
        Assert.Equal("content_policy_violation", done.Error.Code);
        Assert.False(done.Error.Retryable);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(1, system.Fal.Jobs.TotalSubmits);
    }
}
