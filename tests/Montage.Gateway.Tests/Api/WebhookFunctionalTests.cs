using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Montage.Contracts.Jobs.V1;
using Montage.FakeProviders;
using Montage.Gateway.Tests.Infrastructure;

namespace Montage.Gateway.Tests.Api;

/// <summary>
/// Provider webhooks at /webhooks/fal: signed by the fake fal's Ed25519 key (published in its JWKS, which the gateway
/// fetches), handed to JobTracking before the 2xx; forged, stale and replayed deliveries refused.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class WebhookFunctionalTests(GatewayFixture fixture)
{
    private static byte[] Body(string requestId) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["request_id"] = requestId,
        ["gateway_request_id"] = requestId,
        ["status"] = "OK",
        ["payload"] = new JsonObject { ["video"] = new JsonObject { ["url"] = "https://cdn.example/v.mp4" } },
    }.ToJsonString());

    private async Task<HttpResponseMessage> DeliverAsync(byte[] body, IReadOnlyDictionary<string, string> headers)
    {
        using var client = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/fal") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    [Fact]
    public async Task A_signed_webhook_reaches_the_job_holding_the_request_before_the_2xx()
    {
        // A fal job of a fresh owner, leased and checkpointed as a worker would: the webhook must find it.
        var leased = await fixture.SubmitAndLeaseAsync("webhook-test");
        var requestId = "fal-req-" + Guid.NewGuid().ToString("N");
        await fixture.Jobs.CheckpointAsync(new CheckpointRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId, Provider = "fal", RequestId = requestId });

        var body = Body(requestId);
        var headers = fixture.Fal.Signer.Sign(requestId, FakeFal.UserId, Now, body);
        using var response = await DeliverAsync(body, headers);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        // Durable before the answer: the heartbeat already lists the delivery.
        var heartbeat = await fixture.Jobs.HeartbeatAsync(new HeartbeatRequest { JobId = leased.Job.Id, LeaseId = leased.LeaseId });
        var delivery = Assert.Single(heartbeat.ProviderEvents);
        Assert.Equal(requestId, delivery.RequestId);
        Assert.Equal("succeeded", delivery.Outcome);
        Assert.Contains("cdn.example", delivery.PayloadJson, StringComparison.Ordinal);

        // The exact same delivery again is a replay.
        using var replay = await DeliverAsync(body, headers);
        await ProblemAssert.IsProblemAsync(replay, HttpStatusCode.BadRequest, "webhook_replayed");
    }

    [Fact]
    public async Task An_exact_replay_is_refused_and_a_fresh_signature_is_accepted()
    {
        var requestId = "fal-unknown-" + Guid.NewGuid().ToString("N");
        var body = Body(requestId);
        var headers = fixture.Fal.Signer.Sign(requestId, FakeFal.UserId, Now, body);
        using (var first = await DeliverAsync(body, headers))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var replay = await DeliverAsync(body, headers))
        {
            await ProblemAssert.IsProblemAsync(replay, HttpStatusCode.BadRequest, "webhook_replayed");
        }

        // fal's own redelivery is signed again with a new timestamp: it is a new delivery, handled idempotently downstream.
        using var again = await DeliverAsync(body, fixture.Fal.Signer.Sign(requestId, FakeFal.UserId, Now + 1, body));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task A_forged_signature_is_refused()
    {
        var requestId = "fal-forged-" + Guid.NewGuid().ToString("N");
        var body = Body(requestId);
        var headers = new Dictionary<string, string>(fixture.Fal.Signer.Sign(requestId, FakeFal.UserId, Now, body))
        {
            ["X-Fal-Webhook-Signature"] = new string('a', 128),
        };
        using var response = await DeliverAsync(body, headers);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "webhook_unverified");
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_refused()
    {
        var requestId = "fal-tampered-" + Guid.NewGuid().ToString("N");
        var headers = fixture.Fal.Signer.Sign(requestId, FakeFal.UserId, Now, Body(requestId));
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body(requestId)).Replace("cdn.example", "evil.example", StringComparison.Ordinal));
        using var response = await DeliverAsync(tampered, headers);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "webhook_unverified");
    }

    [Fact]
    public async Task A_stale_webhook_is_refused()
    {
        var requestId = "fal-stale-" + Guid.NewGuid().ToString("N");
        var body = Body(requestId);
        using var response = await DeliverAsync(body, fixture.Fal.Signer.Sign(requestId, FakeFal.UserId, Now - 3600, body));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "webhook_unverified");
    }
}
