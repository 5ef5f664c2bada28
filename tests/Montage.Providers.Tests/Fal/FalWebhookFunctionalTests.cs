using System.Text;
using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Tests.Fal;

/// <summary>Webhooks the fake fal really POSTs (Ed25519-signed, JWKS-published keys), verified by the fal client.</summary>
public sealed class FalWebhookFunctionalTests : IClassFixture<FalFixture>
{
    private const string Model = "fal-ai/flux-pro/kontext/multi";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly FalFixture fixture;

    public FalWebhookFunctionalTests(FalFixture fixture)
    {
        this.fixture = fixture;
        fixture.Fake.Reset();
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
    }

    private static WebhookRequest ToWebhook(RecordedRequest received) => new(received.Headers, received.Body);

    private async Task<(string RequestId, RecordedRequest Delivery)> RunJobAsync(Montage.Providers.Fal.FalProvider fal, string hook, string prompt)
    {
        var body = new JsonObject { ["prompt"] = prompt, ["image_urls"] = new JsonArray("https://a/bg.png", "https://a/hero.png") };
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Model, body, fixture.Sink.UrlFor(hook)), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);
        var delivery = await fixture.Sink.WaitForAsync(r => r.Header("X-Fal-Webhook-Request-Id") == submission.RequestId, Wait);
        return (submission.RequestId, delivery);
    }

    [Fact]
    public async Task A_signed_success_webhook_verifies_with_the_request_id_and_the_model_output()
    {
        var fal = fixture.CreateProvider();
        var (requestId, delivery) = await RunJobAsync(fal, "ok", "success webhook");

        var verification = await fal.VerifyWebhookAsync(ToWebhook(delivery), default);

        Assert.True(verification.IsVerified, verification.RefusalReason);
        Assert.Equal(requestId, verification.RequestId);
        Assert.True(verification.Outcome!.Succeeded);
        Assert.Equal("image/png", (string?)verification.Outcome.Payload!["images"]![0]!["content_type"]);
        Assert.Equal(1, fixture.Fake.Signer.JwksFetches);
    }

    [Fact]
    public async Task An_error_webhook_verifies_as_failed_with_a_classified_error()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Jobs.EnqueueOutcome(FakeJobOutcome.ContentPolicy);
        var (requestId, delivery) = await RunJobAsync(fal, "error", "error webhook");

        var verification = await fal.VerifyWebhookAsync(ToWebhook(delivery), default);

        Assert.True(verification.IsVerified, verification.RefusalReason);
        Assert.Equal(requestId, verification.RequestId);
        Assert.False(verification.Outcome!.Succeeded);
        Assert.Equal(ProviderErrorKind.ContentPolicy, verification.Outcome.Error!.Kind);
        Assert.Equal("content_policy_violation", verification.Outcome.Error.Code);
    }

    [Fact]
    public async Task A_bad_signature_is_refused()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.BadSignature;
        var (_, delivery) = await RunJobAsync(fal, "bad", "bad signature");

        var verification = await fal.VerifyWebhookAsync(ToWebhook(delivery), default);

        Assert.False(verification.IsVerified);
        Assert.Null(verification.RequestId);
        Assert.Contains("signature", verification.RefusalReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_timestamp_is_refused_even_with_a_valid_signature()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.StaleTimestamp;
        var (_, delivery) = await RunJobAsync(fal, "stale", "stale");

        var verification = await fal.VerifyWebhookAsync(ToWebhook(delivery), default);

        Assert.False(verification.IsVerified);
        Assert.Contains("timestamp", verification.RefusalReason, StringComparison.Ordinal);
        Assert.Equal(0, fixture.Fake.Signer.JwksFetches);
    }

    [Fact]
    public async Task A_tampered_body_is_refused()
    {
        var fal = fixture.CreateProvider();
        var (_, delivery) = await RunJobAsync(fal, "tampered", "tampered");
        var tampered = Encoding.UTF8.GetBytes(delivery.BodyText.Replace("\"OK\"", "\"ERROR\"", StringComparison.Ordinal));

        var verification = await fal.VerifyWebhookAsync(new WebhookRequest(delivery.Headers, tampered), default);

        Assert.False(verification.IsVerified);
    }

    [Fact]
    public async Task Signed_headers_naming_another_request_than_the_body_are_refused()
    {
        var fal = fixture.CreateProvider();
        var (_, delivery) = await RunJobAsync(fal, "mismatch", "mismatch");
        var body = JsonNode.Parse(delivery.Body)!;
        body["request_id"] = "someone-else";
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var headers = fixture.Fake.Signer.Sign(delivery.Header("X-Fal-Webhook-Request-Id")!, FakeFal.UserId, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), bytes);

        var verification = await fal.VerifyWebhookAsync(new WebhookRequest(headers, bytes), default);

        Assert.False(verification.IsVerified);
        Assert.Contains("another request", verification.RefusalReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ok_webhook_whose_payload_did_not_fit_is_a_success_without_payload()
    {
        var fal = fixture.CreateProvider();
        var bytes = Encoding.UTF8.GetBytes("{\"request_id\":\"r-big\",\"gateway_request_id\":\"r-big\",\"status\":\"OK\",\"payload\":null,\"payload_error\":\"Payload too large\"}");
        var headers = fixture.Fake.Signer.Sign("r-big", FakeFal.UserId, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), bytes);

        var verification = await fal.VerifyWebhookAsync(new WebhookRequest(headers, bytes), default);

        Assert.True(verification.IsVerified, verification.RefusalReason);
        Assert.True(verification.Outcome!.Succeeded);
        Assert.Null(verification.Outcome.Payload);
    }

    [Fact]
    public async Task Missing_signature_headers_are_refused_without_fetching_keys()
    {
        var fal = fixture.CreateProvider();

        var verification = await fal.VerifyWebhookAsync(new WebhookRequest([], Encoding.UTF8.GetBytes("{}")), default);

        Assert.False(verification.IsVerified);
        Assert.Equal(0, fixture.Fake.Signer.JwksFetches);
    }

    [Fact]
    public async Task A_rotated_key_unknown_to_the_cache_triggers_one_jwks_refresh_and_verifies()
    {
        var fal = fixture.CreateProvider();
        var (_, first) = await RunJobAsync(fal, "before-rotation", "before rotation");
        Assert.True((await fal.VerifyWebhookAsync(ToWebhook(first), default)).IsVerified);
        Assert.Equal(1, fixture.Fake.Signer.JwksFetches);

        fixture.Fake.Signer.Rotate(publish: true);
        var (requestId, second) = await RunJobAsync(fal, "after-rotation", "after rotation");
        var verification = await fal.VerifyWebhookAsync(ToWebhook(second), default);

        Assert.True(verification.IsVerified, verification.RefusalReason);
        Assert.Equal(requestId, verification.RequestId);
        Assert.Equal(2, fixture.Fake.Signer.JwksFetches);
    }

    [Fact]
    public async Task Jwks_refreshes_are_rate_limited_so_forged_webhooks_cannot_hammer_fal()
    {
        var fal = fixture.CreateProvider(s => s["Providers:Fal:JwksMinRefreshInterval"] = "01:00:00");
        fixture.Fake.Signer.Rotate(publish: false);
        var (_, delivery) = await RunJobAsync(fal, "unpublished", "signed by an unpublished key");

        for (var i = 0; i < 5; i++)
        {
            Assert.False((await fal.VerifyWebhookAsync(ToWebhook(delivery), default)).IsVerified);
        }

        Assert.Equal(1, fixture.Fake.Signer.JwksFetches);
    }

    [Fact]
    public async Task Keys_are_cached_between_webhooks()
    {
        var fal = fixture.CreateProvider();
        for (var i = 0; i < 3; i++)
        {
            var (_, delivery) = await RunJobAsync(fal, $"cached-{i}", $"cached {i}");
            Assert.True((await fal.VerifyWebhookAsync(ToWebhook(delivery), default)).IsVerified);
        }

        Assert.Equal(1, fixture.Fake.Signer.JwksFetches);
    }

    [Fact]
    public async Task Jwks_unavailable_is_a_transient_error_so_the_webhook_is_answered_5xx_and_redelivered()
    {
        var fal = fixture.CreateProvider();
        var (_, delivery) = await RunJobAsync(fal, "no-jwks", "jwks down");
        fixture.Fake.Faults.ServerError(FakeOperation.Jwks, 500);

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.VerifyWebhookAsync(ToWebhook(delivery), default))).Error;

        Assert.Equal(ProviderErrorKind.Transient, error.Kind);
        Assert.True((await fal.VerifyWebhookAsync(ToWebhook(delivery), default)).IsVerified);
    }

    [Fact]
    public async Task Duplicate_deliveries_both_verify_to_the_same_request()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.Duplicate;
        var (requestId, _) = await RunJobAsync(fal, "dup", "duplicate");
        await Support.Eventually.UntilAsync(() => fixture.Sink.For("dup").Count == 2);

        var results = new List<WebhookVerification>();
        foreach (var delivery in fixture.Sink.For("dup"))
        {
            results.Add(await fal.VerifyWebhookAsync(ToWebhook(delivery), default));
        }

        Assert.All(results, r => Assert.Equal(requestId, r.RequestId));
        Assert.Equal(2, fixture.Fake.Webhooks.Deliveries.Count(d => d.RequestId == requestId));
    }

    [Fact]
    public async Task Late_and_out_of_order_deliveries_still_verify_within_the_tolerance()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.Held;
        var body = new JsonObject { ["prompt"] = "order", ["image_urls"] = new JsonArray("https://a/1.png") };
        var first = await fal.SubmitAsync(new ProviderSubmitRequest(Model, body, fixture.Sink.UrlFor("order-1")), default);
        var second = await fal.SubmitAsync(new ProviderSubmitRequest(Model, body, fixture.Sink.UrlFor("order-2")), default);
        await fixture.Fake.Jobs.CompleteAsync(first.RequestId);
        await fixture.Fake.Jobs.CompleteAsync(second.RequestId);
        Assert.Equal(2, fixture.Fake.Webhooks.HeldCount);
        Assert.Empty(fixture.Sink.For("order-1"));

        await fixture.Fake.Webhooks.ReleaseHeldAsync(reverse: true);

        var arrivals = fixture.Sink.Received.Where(r => r.Path.Contains("/hooks/order-", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { second.RequestId, first.RequestId }, arrivals.Select(a => a.Header("X-Fal-Webhook-Request-Id") ?? string.Empty).ToArray());
        foreach (var arrival in arrivals)
        {
            Assert.True((await fal.VerifyWebhookAsync(ToWebhook(arrival), default)).IsVerified);
        }
    }

    [Fact]
    public async Task A_late_delivery_still_arrives_and_verifies()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.Late;
        fixture.Fake.Webhooks.LateDelay = TimeSpan.FromSeconds(1);

        var (requestId, delivery) = await RunJobAsync(fal, "late", "late");

        Assert.Equal(requestId, (await fal.VerifyWebhookAsync(ToWebhook(delivery), default)).RequestId);
    }

    [Fact]
    public async Task A_missing_webhook_leaves_polling_as_the_fallback()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.Missing;
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Model, new JsonObject { ["prompt"] = "no hook" }, fixture.Sink.UrlFor("missing")), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        Assert.Empty(fixture.Sink.For("missing"));
        Assert.Equal(ProviderJobState.Completed, (await fal.GetStatusAsync(submission.Handle, default)).State);
    }
}
