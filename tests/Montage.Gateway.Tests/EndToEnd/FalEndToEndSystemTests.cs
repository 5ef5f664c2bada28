using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Gateway.Tests.Api;

namespace Montage.Gateway.Tests.EndToEnd;

/// <summary>
/// The end-to-end slice with a hosted model: a PNG animated by fal's Kling 2.1 Pro (the fake fal), whose completion
/// reaches Montage only as a signed webhook at the gateway's <c>/webhooks/fal</c>. The fake completes the request only
/// when the test says so, after the worker's first status poll; the workers poll a webhook-backed request once an hour,
/// so the job can only end within the deadline because the gateway verified the webhook and JobTracking woke the worker.
/// </summary>
[Collection(EndToEndSystemCollection.Name)]
public sealed class FalEndToEndSystemTests(EndToEndSystemFixture fixture)
{
    private const string Model = "fal-ai/kling-video/v2.1/pro/image-to-video";

    [Fact]
    public async Task A_png_becomes_an_mp4_through_the_gateway_with_fal_and_its_webhook()
    {
        var fal = fixture.Fal;
        fal.Reset();
        fal.Jobs.Progression = FakeProgression.Manual;
        using var client = fixture.CreateDevClient();
        var image = await ApiTestData.UploadPngAsync(client);
        var body = new JsonObject
        {
            ["model"] = Model,
            ["input"] = new JsonObject { ["image"] = image, ["prompt"] = "the camera drifts slowly to the left", ["duration"] = 5 },
        };

        var jobId = await GatewayJourney.SubmitAsync(client, "/v1/videos", body);
        var following = GatewayJourney.FollowToEndAsync(client, jobId);
        var request = await WaitForFirstStatusPollAsync(client, jobId);

        // The worker submitted to fal with the gateway's public webhook URL and the input uploaded to fal's storage.
        Assert.Equal("/webhooks/fal", request.WebhookUrl!.AbsolutePath);
        Assert.Equal(fixture.GatewayUrl.Authority, request.WebhookUrl.Authority);
        Assert.StartsWith(fal.CdnUrl.AbsoluteUri, request.Input["image_url"]!.GetValue<string>(), StringComparison.Ordinal);

        // fal finishes: the fake sends its signed webhook to the gateway (and records the gateway's answer).
        await fal.Jobs.CompleteAsync(request.Id);
        var deliveries = fal.Webhooks.Deliveries.Where(d => d.RequestId == request.Id).ToList();
        Assert.NotEmpty(deliveries);
        Assert.All(deliveries, d => Assert.Equal("/webhooks/fal", d.Url.AbsolutePath));
        Assert.Contains(deliveries, d => d.StatusCode is >= 200 and < 300);

        var final = await following;
        Assert.True(final.State == "succeeded", final.Job.ToJsonString());
        Assert.Contains("job.provider_event", final.EventTypes);
        var types = final.EventTypes.ToList();
        Assert.True(types.IndexOf("job.provider_event") < types.IndexOf("job.succeeded"), string.Join(", ", types));

        // Exactly one paid request, billed at the catalog's price (5 s of Kling 2.1 Pro: $0.49), and the output is fal's
        // video copied into Montage's store.
        Assert.Equal(1, fal.Jobs.TotalSubmits);
        Assert.Equal(0.49m, final.Job["cost"]!["actual"]!.GetValue<decimal>());
        var video = final.Job["outputs"]!["video"]!.GetValue<string>();
        await GatewayJourney.AssertPlayableMp4Async(client, video, expectedSeconds: FakeMedia.VideoSeconds);
    }

    /// <summary>
    /// Waits until the worker has submitted the job to fal and asked for its status once: from then on it polls only
    /// hourly, so only the webhook can tell it the request finished.
    /// </summary>
    private async Task<FakeJob> WaitForFirstStatusPollAsync(HttpClient client, string jobId)
    {
        using var deadline = new CancellationTokenSource(GatewayJourney.JobDeadline);
        while (true)
        {
            if (fixture.Fal.Jobs.Jobs.SingleOrDefault() is { StatusPolls: > 0 } polled)
            {
                return polled;
            }

            if (deadline.IsCancellationRequested)
            {
                var job = await client.GetStringAsync($"/v1/jobs/{jobId}");
                Assert.Fail($"The worker did not submit to fal and poll it in time. Job: {job}; fal jobs: {fixture.Fal.Jobs.Jobs.Count}.");
            }

            await Task.Delay(200);
        }
    }
}
