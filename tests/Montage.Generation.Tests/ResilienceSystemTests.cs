using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Jobs.V1;
using Montage.FakeProviders;
using Montage.Hosting.Testing;

namespace Montage.Generation.Tests;

/// <summary>Crashes, cancellation and webhook wake-ups, with the fake provider moved by hand.</summary>
[Collection(GenerationSystemCollection.Name)]
public sealed class ResilienceSystemTests(GenerationSystemFixture system)
{
    private const string Animate = "fal-ai/kling-video/v2.1/pro/image-to-video";

    [Fact]
    public async Task A_provider_event_delivered_to_JobTracker_wakes_the_worker()
    {
        system.ResetFakes();
        system.Fal.Jobs.Progression = FakeProgression.Manual;
        system.Fal.Webhooks.Mode = FakeWebhookMode.Missing;
        var job = await system.SubmitAsync("image.generate", "fal-ai/ideogram/v3", """{"prompt":"woken fox"}""", GenerationSystemFixture.NewOwner());
        var running = await system.WaitForAsync(job.Id, j => j.ProviderCheckpoint is { RequestId.Length: > 0 });
        await system.Fal.Jobs.CompleteAsync(running.ProviderCheckpoint.RequestId);

        // The workers poll only every five minutes here: the job can finish in time only through this delivery.
        var delivery = await system.Jobs.DeliverProviderEventAsync(new DeliverProviderEventRequest
        {
            Provider = "fal",
            RequestId = running.ProviderCheckpoint.RequestId,
            Outcome = "succeeded",
            PayloadJson = "{}",
            ReceivedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        });
        var done = await system.WaitForEndAsync(job.Id, TimeSpan.FromMinutes(2));

        Assert.True(delivery.Matched);
        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
    }

    [Fact]
    public async Task Cancel_mid_job_reaches_the_provider_and_ends_the_job_canceled()
    {
        system.ResetFakes();
        system.Fal.Jobs.Progression = FakeProgression.Manual;
        var owner = GenerationSystemFixture.NewOwner();
        var image = await system.UploadAsync(owner, await FakeMedia.GetPathAsync(FakeMediaKind.Image), "image/png");
        var job = await system.SubmitAsync("video.animate", Animate, $$"""{"prompt":"cancelled fox","image":"{{image}}"}""", owner);
        var running = await system.WaitForAsync(job.Id, j => j.ProviderCheckpoint is { RequestId.Length: > 0 });
        var requestId = running.ProviderCheckpoint.RequestId;
        await system.Fal.Jobs.AdvanceAsync(requestId);

        await system.Jobs.CancelAsync(new CancelJobRequest { JobId = job.Id, Owner = owner, Reason = "changed my mind" });
        var done = await system.WaitForEndAsync(job.Id);

        Assert.Equal(JobState.Canceled, done.State);
        Assert.True(system.Fal.Jobs.Get(requestId).CancelRequested);
        Assert.Contains(system.Fal.Requests, r => r.Method == "PUT" && r.Path.EndsWith($"/requests/{requestId}/cancel", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Killing_the_worker_mid_job_resumes_on_the_other_replica_without_a_second_submit()
    {
        system.ResetFakes();
        system.Fal.Jobs.Progression = FakeProgression.Manual;
        var owner = GenerationSystemFixture.NewOwner();
        var image = await system.UploadAsync(owner, await FakeMedia.GetPathAsync(FakeMediaKind.Image), "image/png");
        var job = await system.SubmitAsync("video.animate", Animate, $$"""{"prompt":"crash fox","image":"{{image}}"}""", owner);
        var running = await system.WaitForAsync(job.Id, j => j.ProviderCheckpoint is { RequestId.Length: > 0 } && j.LeaseOwner.Length > 0);
        var holder = running.LeaseOwner;
        var pid = int.Parse(holder[(holder.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var replica = system.App.GetProcessIds("videos").ToList().IndexOf(pid);
        Assert.True(replica >= 0, $"lease holder {holder} is not a videos replica");

        await system.App.KillAsync("videos", replica);
        var resumed = await system.WaitForAsync(job.Id, j => j.LeaseOwner.Length > 0 && j.LeaseOwner != holder);
        await system.Fal.Jobs.CompleteAsync(running.ProviderCheckpoint.RequestId);
        var done = await system.WaitForEndAsync(job.Id);

        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Error}");
        Assert.Equal(running.ProviderCheckpoint.RequestId, resumed.ProviderCheckpoint.RequestId);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(1, system.Fal.Jobs.TotalSubmits);
    }
}
