using System.Text;
using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Tests.Kie;

/// <summary>Callbacks the fake KIE really POSTs: HMAC checked when configured, and always confirmed by recordInfo.</summary>
public sealed class KieCallbackFunctionalTests : IClassFixture<KieFixture>
{
    private const string Video = "kling-3.0/video";
    private const string HmacKey = "kie-hmac-test-key";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly KieFixture fixture;

    public KieCallbackFunctionalTests(KieFixture fixture)
    {
        this.fixture = fixture;
        fixture.Fake.Reset();
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
    }

    private Montage.Providers.Kie.KieProvider Signed() => fixture.CreateProvider(s => s["Providers:Kie:WebhookHmacKey"] = HmacKey);

    private static WebhookRequest ToWebhook(RecordedRequest received) => new(received.Headers, received.Body);

    private static string TaskIdOf(RecordedRequest callback) => (string)JsonNode.Parse(callback.Body)!["data"]!["taskId"]!;

    private async Task<(string TaskId, RecordedRequest Callback)> RunTaskAsync(Montage.Providers.Kie.KieProvider kie, string hook)
    {
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest(Video, new JsonObject { ["prompt"] = hook }, fixture.Sink.UrlFor(hook)), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);
        var callback = await fixture.Sink.WaitForAsync(r => r.Path.EndsWith($"/hooks/{hook}", StringComparison.Ordinal), Wait);
        return (submission.RequestId, callback);
    }

    private int RecordInfoCalls(string taskId) =>
        fixture.Fake.Requests.Count(r => r.Path.EndsWith("/recordInfo", StringComparison.Ordinal) && r.Query("taskId") == taskId);

    [Fact]
    public async Task A_signed_callback_is_verified_and_confirmed_by_record_info()
    {
        fixture.Fake.HmacKey = HmacKey;
        var kie = Signed();
        var (taskId, callback) = await RunTaskAsync(kie, "signed");
        Assert.NotNull(callback.Header("X-Webhook-Signature"));

        var verification = await kie.VerifyWebhookAsync(ToWebhook(callback), default);

        Assert.True(verification.IsVerified, verification.RefusalReason);
        Assert.Equal(taskId, verification.RequestId);
        Assert.True(verification.Outcome!.Succeeded);
        Assert.Equal("success", (string?)verification.Outcome.Payload!["state"]);
        Assert.Equal(1, RecordInfoCalls(taskId));
    }

    [Fact]
    public async Task A_failure_callback_is_confirmed_and_classified()
    {
        fixture.Fake.HmacKey = HmacKey;
        fixture.Fake.Jobs.EnqueueOutcome(FakeJobOutcome.GenerationFailed);
        var kie = Signed();
        var (taskId, callback) = await RunTaskAsync(kie, "failed");
        Assert.Equal(501, (int)JsonNode.Parse(callback.Body)!["code"]!);

        var verification = await kie.VerifyWebhookAsync(ToWebhook(callback), default);

        Assert.True(verification.IsVerified, verification.RefusalReason);
        Assert.Equal(taskId, verification.RequestId);
        Assert.False(verification.Outcome!.Succeeded);
        Assert.Equal(ProviderErrorKind.GenerationFailed, verification.Outcome.Error!.Kind);
    }

    [Fact]
    public async Task A_bad_hmac_is_refused_without_querying_the_task()
    {
        fixture.Fake.HmacKey = HmacKey;
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.BadSignature;
        var kie = Signed();
        var (taskId, callback) = await RunTaskAsync(kie, "bad-hmac");

        var verification = await kie.VerifyWebhookAsync(ToWebhook(callback), default);

        Assert.False(verification.IsVerified);
        Assert.Equal("signature does not verify", verification.RefusalReason);
        Assert.Equal(0, RecordInfoCalls(taskId));
    }

    [Fact]
    public async Task A_stale_timestamp_is_refused()
    {
        fixture.Fake.HmacKey = HmacKey;
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.StaleTimestamp;
        var kie = Signed();
        var (_, callback) = await RunTaskAsync(kie, "stale");

        var verification = await kie.VerifyWebhookAsync(ToWebhook(callback), default);

        Assert.False(verification.IsVerified);
        Assert.Contains("timestamp", verification.RefusalReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsigned_callback_is_refused_when_a_key_is_configured()
    {
        var kie = Signed();
        var (_, callback) = await RunTaskAsync(kie, "unsigned");
        Assert.Null(callback.Header("X-Webhook-Signature"));

        var verification = await kie.VerifyWebhookAsync(ToWebhook(callback), default);

        Assert.False(verification.IsVerified);
        Assert.Equal("missing signature headers", verification.RefusalReason);
    }

    [Fact]
    public async Task A_correctly_signed_but_forged_success_for_a_running_task_is_refused_by_record_info()
    {
        fixture.Fake.HmacKey = HmacKey;
        var kie = Signed();
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest(Video, new JsonObject { ["prompt"] = "forged" }, fixture.Sink.UrlFor("forged")), default);
        await fixture.Fake.Jobs.AdvanceAsync(submission.RequestId);
        var forged = await fixture.Fake.BuildCallbackAsync(fixture.Fake.Jobs.Get(submission.RequestId), claim: true);

        var verification = await kie.VerifyWebhookAsync(new WebhookRequest(forged.Headers, forged.Body), default);

        Assert.False(verification.IsVerified);
        Assert.Contains("generating", verification.RefusalReason, StringComparison.Ordinal);
        Assert.Equal(1, RecordInfoCalls(submission.RequestId));
    }

    [Fact]
    public async Task A_callback_claiming_failure_is_overruled_by_record_info_success()
    {
        var kie = fixture.CreateProvider();
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest(Video, new JsonObject { ["prompt"] = "overruled" }), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);
        var lying = await fixture.Fake.BuildCallbackAsync(fixture.Fake.Jobs.Get(submission.RequestId), claim: false, url: fixture.Sink.UrlFor("lying"));

        var verification = await kie.VerifyWebhookAsync(new WebhookRequest(lying.Headers, lying.Body), default);

        Assert.True(verification.IsVerified);
        Assert.True(verification.Outcome!.Succeeded);
    }

    [Fact]
    public async Task Without_a_key_callbacks_are_accepted_only_after_record_info_confirms()
    {
        var kie = fixture.CreateProvider();
        var (taskId, callback) = await RunTaskAsync(kie, "no-key");

        var verification = await kie.VerifyWebhookAsync(ToWebhook(callback), default);

        Assert.True(verification.IsVerified);
        Assert.Equal(1, RecordInfoCalls(taskId));
    }

    [Fact]
    public async Task A_callback_for_an_unknown_task_or_without_a_task_id_is_refused()
    {
        var kie = fixture.CreateProvider();
        var unknown = Encoding.UTF8.GetBytes("{\"code\":200,\"msg\":\"ok\",\"data\":{\"taskId\":\"nobody\",\"state\":\"success\"}}");

        Assert.Equal("recordInfo does not know the task", (await kie.VerifyWebhookAsync(new WebhookRequest([], unknown), default)).RefusalReason);
        Assert.Equal("callback names no taskId", (await kie.VerifyWebhookAsync(new WebhookRequest([], Encoding.UTF8.GetBytes("{}")), default)).RefusalReason);
    }

    [Fact]
    public async Task Duplicate_callbacks_verify_to_the_same_task_each_confirmed()
    {
        fixture.Fake.HmacKey = HmacKey;
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.Duplicate;
        var kie = Signed();
        var (taskId, _) = await RunTaskAsync(kie, "dup");
        await Support.Eventually.UntilAsync(() => fixture.Sink.For("dup").Count == 2);

        foreach (var callback in fixture.Sink.For("dup"))
        {
            var verification = await kie.VerifyWebhookAsync(ToWebhook(callback), default);
            Assert.True(verification.IsVerified);
            Assert.Equal(taskId, verification.RequestId);
        }

        Assert.Equal(2, RecordInfoCalls(taskId));
    }

    [Fact]
    public async Task Late_out_of_order_callbacks_are_each_confirmed()
    {
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.Held;
        var kie = fixture.CreateProvider();
        var first = await kie.SubmitAsync(new ProviderSubmitRequest(Video, new JsonObject { ["prompt"] = "1" }, fixture.Sink.UrlFor("late-1")), default);
        var second = await kie.SubmitAsync(new ProviderSubmitRequest(Video, new JsonObject { ["prompt"] = "2" }, fixture.Sink.UrlFor("late-2")), default);
        await fixture.Fake.Jobs.CompleteAsync(first.RequestId);
        await fixture.Fake.Jobs.CompleteAsync(second.RequestId);

        await fixture.Fake.Webhooks.ReleaseHeldAsync(reverse: true);

        var arrivals = fixture.Sink.Received.Where(r => r.Path.Contains("/hooks/late-", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { second.RequestId, first.RequestId }, arrivals.Select(TaskIdOf).ToArray());
        foreach (var arrival in arrivals)
        {
            Assert.True((await kie.VerifyWebhookAsync(ToWebhook(arrival), default)).IsVerified);
        }
    }

    [Fact]
    public async Task A_missing_callback_leaves_polling_as_the_fallback()
    {
        fixture.Fake.Webhooks.Mode = FakeWebhookMode.Missing;
        var kie = fixture.CreateProvider();
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest(Video, new JsonObject { ["prompt"] = "m" }, fixture.Sink.UrlFor("missing")), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        Assert.Empty(fixture.Sink.For("missing"));
        Assert.Equal(ProviderJobState.Completed, (await kie.GetStatusAsync(submission.Handle, default)).State);
    }
}
