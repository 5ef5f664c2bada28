using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Montage.Contracts.Jobs.V1;
using Montage.FakeProviders;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Webhooks;

/// <summary>
/// The job hint of a provider webhook URL (<c>/webhooks/fal?job=&lt;id&gt;</c>, put there by the worker): passed on to
/// JobTracking, which uses it only for a job whose submit outcome is unknown (a submit intent, no request id).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class WebhookJobHintFunctionalTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_signed_webhook_with_a_job_hint_reaches_the_job_that_never_learned_its_request_id()
    {
        var leased = await fixture.SubmitAndLeaseAsync("webhook-hint-test");
        var intent = await fixture.Jobs.CheckpointAsync(new CheckpointRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId, Provider = "fal", SubmitIntent = true });
        Assert.False(intent.SubmitOutcomeUnknown);
        var requestId = "fal-lost-" + Guid.NewGuid().ToString("N");

        using var response = await DeliverAsync(requestId, $"?job={leased.Job.Id}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        var heartbeat = await fixture.Jobs.HeartbeatAsync(new HeartbeatRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId });
        var delivery = Assert.Single(heartbeat.ProviderEvents);
        Assert.Equal(requestId, delivery.RequestId);
        Assert.Equal("succeeded", delivery.Outcome);
        await fixture.Jobs.FailAsync(new FailRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId, Error = new JobError { Code = "test_done" } });
    }

    [Fact]
    public async Task A_hint_naming_a_job_that_holds_another_request_or_no_job_at_all_changes_nothing()
    {
        var leased = await fixture.SubmitAndLeaseAsync("webhook-hint-test");
        var own = "fal-own-" + Guid.NewGuid().ToString("N");
        await fixture.Jobs.CheckpointAsync(new CheckpointRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId, Provider = "fal", RequestId = own });

        using (var hinted = await DeliverAsync("fal-other-" + Guid.NewGuid().ToString("N"), $"?job={leased.Job.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, hinted.StatusCode);
        }

        using (var garbage = await DeliverAsync("fal-garbage-" + Guid.NewGuid().ToString("N"), "?job=..%2F..%2Fadmin&job=x"))
        {
            Assert.Equal(HttpStatusCode.OK, garbage.StatusCode);
        }

        var heartbeat = await fixture.Jobs.HeartbeatAsync(new HeartbeatRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId });
        Assert.Empty(heartbeat.ProviderEvents);
        var job = await fixture.Jobs.GetAsync(new GetJobRequest { JobId = leased.Job.Id });
        Assert.Equal(own, job.ProviderCheckpoint.RequestId);
        await fixture.Jobs.FailAsync(new FailRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId, Error = new JobError { Code = "test_done" } });
    }

    private async Task<HttpResponseMessage> DeliverAsync(string requestId, string query)
    {
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["request_id"] = requestId,
            ["gateway_request_id"] = requestId,
            ["status"] = "OK",
            ["payload"] = new JsonObject { ["images"] = new JsonArray() },
        }.ToJsonString());
        var headers = fixture.Fal.Signer.Sign(requestId, FakeFal.UserId, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body);
        using var client = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/fal" + query) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }
}
