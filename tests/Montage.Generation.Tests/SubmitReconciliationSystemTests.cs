using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;
using Montage.FakeProviders;
using Montage.Hosting.Testing;
using Montage.Providers.Catalog;

namespace Montage.Generation.Tests;

/// <summary>
/// Paid submits whose outcome is unknown: the answer lost after the provider accepted, or the worker killed between
/// the submit and the request id's Checkpoint. The job is reconciled through the provider's webhook (its URL names
/// the job), confirmed with the provider, and never submitted twice; without webhooks it fails saying so.
/// </summary>
[Collection(GenerationSystemCollection.Name)]
public sealed class SubmitReconciliationSystemTests(GenerationSystemFixture system)
{
    private const string Ideogram = "fal-ai/ideogram/v3";
    private const string KieImage = "kie/kling-3.0/image";
    private const string Animate = "fal-ai/kling-video/v2.1/pro/image-to-video";

    [Theory]
    [InlineData(Ideogram)]
    [InlineData(KieImage)]
    public async Task A_submit_whose_answer_was_lost_succeeds_through_its_webhook_and_is_paid_once(string model)
    {
        system.ResetFakes();
        Fake(model).DropConnection(FakeOperation.Submit);
        var input = $$"""{"prompt":"lost answer fox {{model}}"}""";
        var job = await system.SubmitAsync("image.generate", model, input, GenerationSystemFixture.NewOwner());

        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        var accepted = Assert.Single(Board(model).Jobs);
        Assert.Equal(1, Board(model).TotalSubmits);
        Assert.Equal(accepted.Id, done.ProviderCheckpoint.RequestId);
        Assert.Contains($"job={job.Id}", accepted.WebhookUrl!.Query, StringComparison.Ordinal);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(Estimate(model, input), done.ActualCostMicros);
        Assert.Single(done.Outputs["images"].AssetIds);
    }

    [Fact]
    public async Task Without_webhooks_a_lost_answer_fails_the_job_saying_the_provider_may_have_billed_it()
    {
        system.ResetFakes();
        system.Fal.Faults.DropConnection(FakeOperation.Submit);

        var done = await system.WithoutWebhooksAsync(async () =>
        {
            var job = await system.SubmitAsync("image.generate", Ideogram, """{"prompt":"unhooked fox"}""", GenerationSystemFixture.NewOwner());
            return await system.WaitForEndAsync(job.Id);
        });

        Assert.Equal(JobState.Failed, done.State);
        Assert.Equal("submit_outcome_unknown", done.Error.Code);
        Assert.False(done.Error.Retryable);
        Assert.Contains("may have run", done.Error.Message, StringComparison.Ordinal);
        Assert.Contains("billed a second time", done.Error.Message, StringComparison.Ordinal);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(1, system.Fal.Jobs.TotalSubmits);
    }

    [Fact]
    public async Task A_worker_killed_between_submit_and_checkpoint_is_reconciled_by_the_next_holder_without_a_second_submit()
    {
        system.ResetFakes();
        system.Fal.Jobs.Progression = FakeProgression.Manual;
        // The fake takes the submit and then holds the answer: the worker dies before it learns the request id.
        system.Fal.Faults.AcceptThenStall(FakeOperation.Submit, TimeSpan.FromMinutes(5));
        var owner = GenerationSystemFixture.NewOwner();
        var image = await system.UploadAsync(owner, await FakeMedia.GetPathAsync(FakeMediaKind.Image), "image/png");
        var input = $$"""{"prompt":"stalled fox","image":"{{image}}"}""";
        var job = await system.SubmitAsync("video.animate", Animate, input, owner);
        await Until(() => system.Fal.Jobs.TotalSubmits == 1);
        var submitting = await system.WaitForAsync(job.Id, j => j.LeaseOwner.Length > 0);
        Assert.Null(submitting.ProviderCheckpoint);
        var holder = submitting.LeaseOwner;
        var pid = int.Parse(holder[(holder.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var replica = system.App.GetProcessIds("videos").ToList().IndexOf(pid);
        Assert.True(replica >= 0, $"lease holder {holder} is not a videos replica");

        await system.App.KillAsync("videos", replica);
        await system.WaitForAsync(job.Id, j => j.LeaseOwner.Length > 0 && j.LeaseOwner != holder);
        var requestId = Assert.Single(system.Fal.Jobs.Jobs).Id;
        await system.Fal.Jobs.CompleteAsync(requestId);
        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        Assert.Equal(requestId, done.ProviderCheckpoint.RequestId);
        Assert.Equal(1, system.Fal.Jobs.TotalSubmits);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(Estimate(Animate, input), done.ActualCostMicros);
    }

    [Fact]
    public async Task A_hinted_webhook_for_a_request_the_provider_does_not_confirm_is_not_adopted()
    {
        system.ResetFakes();
        system.Fal.Jobs.Progression = FakeProgression.Manual;
        system.Fal.Faults.DropConnection(FakeOperation.Submit);
        var job = await system.SubmitAsync("image.generate", Ideogram, """{"prompt":"forged hint fox"}""", GenerationSystemFixture.NewOwner());
        await Until(() => system.Fal.Jobs.TotalSubmits == 1);
        var requestId = Assert.Single(system.Fal.Jobs.Jobs).Id;

        // A webhook naming this job but a request of another account (signed by fal, so it passed the gateway).
        var foreign = "foreign-" + Guid.NewGuid().ToString("N");
        var forged = await DeliverAsync("fal", foreign, job.Id);
        Assert.True(forged.MatchedByHint);
        await Until(() => system.Fal.Requests.Any(r => r.Path.Contains(foreign, StringComparison.Ordinal)));
        Assert.Null((await system.Jobs.GetAsync(new GetJobRequest { JobId = job.Id })).ProviderCheckpoint);

        await system.Fal.Jobs.CompleteAsync(requestId);
        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        Assert.Equal(requestId, done.ProviderCheckpoint.RequestId);
        Assert.Equal(1, system.Fal.Jobs.TotalSubmits);
    }

    [Fact]
    public async Task A_hint_naming_a_job_that_holds_another_request_changes_nothing()
    {
        system.ResetFakes();
        system.Fal.Jobs.Progression = FakeProgression.Manual;
        var job = await system.SubmitAsync("image.generate", Ideogram, """{"prompt":"held request fox"}""", GenerationSystemFixture.NewOwner());
        var running = await system.WaitForAsync(job.Id, j => j.ProviderCheckpoint is { RequestId.Length: > 0 });
        var requestId = running.ProviderCheckpoint.RequestId;

        var stray = "stray-" + Guid.NewGuid().ToString("N");
        var delivered = await DeliverAsync("fal", stray, job.Id);
        Assert.False(delivered.Matched);
        await system.Fal.Jobs.CompleteAsync(requestId);
        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        Assert.Equal(requestId, done.ProviderCheckpoint.RequestId);
        Assert.Equal(1, system.Fal.Jobs.TotalSubmits);
        Assert.DoesNotContain(system.Fal.Requests, r => r.Path.Contains(stray, StringComparison.Ordinal));
    }

    private FakeFaults Fake(string model) => model.StartsWith("kie/", StringComparison.Ordinal) ? system.Kie.Faults : system.Fal.Faults;

    private FakeJobBoard Board(string model) => model.StartsWith("kie/", StringComparison.Ordinal) ? system.Kie.Jobs : system.Fal.Jobs;

    private static long Estimate(string model, string input)
    {
        var catalog = ModelCatalog.Load();
        var normalized = catalog.Validate(model, JsonNode.Parse(input)!.AsObject()).Normalized!;
        return CostEstimator.Estimate(catalog.Get(model), normalized, new EstimateContext()).MicroUsd;
    }

    private Task<DeliverProviderEventResponse> DeliverAsync(string provider, string requestId, string jobId) =>
        system.Jobs.DeliverProviderEventAsync(new DeliverProviderEventRequest
        {
            Provider = provider,
            RequestId = requestId,
            Outcome = "succeeded",
            PayloadJson = "{}",
            ReceivedAt = Timestamp.FromDateTime(DateTime.UtcNow),
            JobIdHint = jobId,
        });

    /// <summary>Waits for a condition on the fakes; generous, since the machine may be loaded.</summary>
    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The fake provider did not reach the expected state within three minutes.");
            }

            await Task.Delay(100);
        }
    }
}
