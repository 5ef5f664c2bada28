using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Providers.Abstractions;

namespace Montage.Providers.Tests.Fal;

/// <summary>The fal client under every fault the fake can inject; the fake's submit ledger proves nothing was paid twice.</summary>
public sealed class FalFaultFunctionalTests : IClassFixture<FalFixture>
{
    private const string Model = "fal-ai/ideogram/v3";
    private readonly FalFixture fixture;

    public FalFaultFunctionalTests(FalFixture fixture)
    {
        this.fixture = fixture;
        fixture.Fake.Reset();
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
    }

    private static JsonObject Body(string prompt) => new() { ["prompt"] = prompt, ["rendering_speed"] = "TURBO" };

    [Fact]
    public async Task Submit_rate_limited_twice_is_retried_after_retry_after_and_paid_once()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Faults.RateLimit(FakeOperation.Submit, retryAfterSeconds: 1, times: 2);

        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("429")), default);

        Assert.NotEmpty(submission.RequestId);
        var submits = fixture.Fake.Submits;
        Assert.Equal(3, submits.Count);

        // Backoff alone would wait ~50 ms; only an honoured Retry-After spaces the attempts a second apart.
        Assert.True(submits[1].ReceivedAt - submits[0].ReceivedAt >= TimeSpan.FromMilliseconds(950));
        Assert.True(submits[2].ReceivedAt - submits[1].ReceivedAt >= TimeSpan.FromMilliseconds(950));
        Assert.Equal(1, fixture.Fake.Jobs.SubmitCount(Model, Body("429")));
    }

    [Fact]
    public async Task Submit_answered_503_is_not_accepted_so_it_is_retried_and_paid_once()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Faults.ServerError(FakeOperation.Submit, status: 503);

        await fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("503")), default);

        Assert.Equal(2, fixture.Fake.Submits.Count);
        Assert.Equal(1, fixture.Fake.Jobs.SubmitCount(Model, Body("503")));
    }

    [Fact]
    public async Task Submit_rate_limited_beyond_the_retries_fails_as_rate_limited_with_retry_after()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Faults.RateLimit(FakeOperation.Submit, retryAfterSeconds: 1, times: 10);

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("always 429")), default))).Error;

        Assert.Equal(ProviderErrorKind.RateLimited, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
        Assert.True(error.IsRetryable);
        Assert.Equal(5, fixture.Fake.Submits.Count);
        Assert.Equal(0, fixture.Fake.Jobs.TotalSubmits);
    }

    [Fact]
    public async Task Submit_answered_500_is_not_sent_again()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Faults.ServerError(FakeOperation.Submit, status: 500);

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("500")), default))).Error;

        Assert.Equal(ProviderErrorKind.Transient, error.Kind);
        Assert.Equal("internal_error", error.Code);
        Assert.Single(fixture.Fake.Submits);
    }

    [Fact]
    public async Task Connection_dropped_after_the_submit_was_accepted_is_outcome_unknown_and_never_resent()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Faults.DropConnection(FakeOperation.Submit);

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("dropped")), default))).Error;

        Assert.Equal(ProviderErrorKind.OutcomeUnknown, error.Kind);
        Assert.False(error.IsRetryable);
        Assert.Single(fixture.Fake.Submits);
        Assert.Equal(1, fixture.Fake.Jobs.SubmitCount(Model, Body("dropped")));
    }

    [Fact]
    public async Task Submit_whose_answer_is_slower_than_the_attempt_deadline_is_outcome_unknown_and_never_resent()
    {
        var fal = fixture.CreateProvider(s => s["Providers:Fal:Retry:AttemptTimeout"] = "00:00:01");
        fixture.Fake.Faults.Slow(FakeOperation.Submit, TimeSpan.FromSeconds(5));

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("slow")), default))).Error;

        Assert.Equal(ProviderErrorKind.OutcomeUnknown, error.Kind);
        Assert.Single(fixture.Fake.Submits);
    }

    [Fact]
    public async Task Slow_submit_within_the_deadline_succeeds()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Faults.Slow(FakeOperation.Submit, TimeSpan.FromMilliseconds(500));

        await fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("a bit slow")), default);

        Assert.Equal(1, fixture.Fake.Jobs.SubmitCount(Model, Body("a bit slow")));
    }

    [Fact]
    public async Task Connection_refused_before_sending_is_retried_then_transient_and_nothing_was_sent()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var fal = fixture.CreateProvider(s => s["Providers:Fal:QueueUrl"] = $"http://127.0.0.1:{port}/fal/queue");

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("refused")), default))).Error;

        Assert.Equal(ProviderErrorKind.Transient, error.Kind);
        Assert.Equal("connect_failed", error.Code);
    }

    [Fact]
    public async Task Insufficient_credits_is_final_and_not_retried()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Faults.Add(FakeOperation.Submit, new StatusFault(402, "{\"detail\":\"Exhausted balance\"}"));

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("402")), default))).Error;

        Assert.Equal(ProviderErrorKind.InsufficientCredits, error.Kind);
        Assert.Equal("Exhausted balance", error.Message);
        Assert.False(error.IsRetryable);
        Assert.Single(fixture.Fake.Submits);
    }

    [Fact]
    public async Task Wrong_key_is_unauthorized_and_the_key_never_appears_in_the_error()
    {
        var fal = fixture.CreateProvider(s => s["FAL_KEY"] = "secret-wrong-key-123");

        var exception = await Assert.ThrowsAsync<ProviderException>(() => fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("401")), default));

        Assert.Equal(ProviderErrorKind.Unauthorized, exception.Error.Kind);
        Assert.DoesNotContain("secret-wrong-key-123", exception.ToString(), StringComparison.Ordinal);
        Assert.Equal("Key secret-wrong-key-123", fixture.Fake.Submits.Single().Header("Authorization"));
    }

    [Fact]
    public async Task Content_policy_validation_answer_is_final_and_classified()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Faults.Add(FakeOperation.Submit, new StatusFault(422,
            "{\"detail\":[{\"loc\":[\"body\",\"prompt\"],\"msg\":\"flagged\",\"type\":\"content_policy_violation\",\"ctx\":{}}]}"));

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("422")), default))).Error;

        Assert.Equal(ProviderErrorKind.ContentPolicy, error.Kind);
        Assert.Equal("content_policy_violation", error.Code);
        Assert.Contains("body.prompt", error.Message, StringComparison.Ordinal);
        Assert.Single(fixture.Fake.Submits);
    }

    [Theory]
    [InlineData("429")]
    [InlineData("500")]
    [InlineData("503")]
    [InlineData("drop")]
    [InlineData("slow")]
    public async Task Status_survives_a_transient_fault_by_retrying(string fault)
    {
        var submission = await fixture.CreateProvider().SubmitAsync(new ProviderSubmitRequest(Model, Body($"status {fault}")), default);

        // Only the slow case needs an attempt deadline shorter than the fake's delay.
        var fal = fault == "slow" ? fixture.CreateProvider(s => s["Providers:Fal:Retry:AttemptTimeout"] = "00:00:03") : fixture.CreateProvider();
        switch (fault)
        {
            case "429": fixture.Fake.Faults.RateLimit(FakeOperation.Status, 1, times: 2); break;
            case "500": fixture.Fake.Faults.ServerError(FakeOperation.Status, 500, times: 2); break;
            case "503": fixture.Fake.Faults.ServerError(FakeOperation.Status, 503, times: 2); break;
            case "drop": fixture.Fake.Faults.DropConnection(FakeOperation.Status, times: 2); break;
            default: fixture.Fake.Faults.Slow(FakeOperation.Status, TimeSpan.FromSeconds(30)); break;
        }

        var status = await fal.GetStatusAsync(submission.Handle, default);

        Assert.Equal(ProviderJobState.Queued, status.State);
        Assert.Equal(0, fixture.Fake.Faults.Pending(FakeOperation.Status));
    }

    [Fact]
    public async Task Status_failing_beyond_the_retries_is_a_transient_provider_exception()
    {
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("status down")), default);
        fixture.Fake.Faults.ServerError(FakeOperation.Status, 502, times: 10);

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.GetStatusAsync(submission.Handle, default))).Error;

        Assert.Equal(ProviderErrorKind.Transient, error.Kind);
        Assert.Equal(5, 10 - fixture.Fake.Faults.Pending(FakeOperation.Status));
    }

    [Fact]
    public async Task Result_and_cancel_retry_transient_faults()
    {
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("result faults")), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);
        fixture.Fake.Faults.RateLimit(FakeOperation.Result, 1);
        fixture.Fake.Faults.DropConnection(FakeOperation.Result);
        fixture.Fake.Faults.ServerError(FakeOperation.Cancel, 503);

        Assert.Single((await fal.GetResultAsync(submission.Handle, default)).Files);
        Assert.Equal(CancelOutcome.AlreadyCompleted, await fal.CancelAsync(submission.Handle, default));
    }

    [Fact]
    public async Task Upload_retries_a_failed_put_with_the_same_bytes()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Faults.ServerError(FakeOperation.UploadInitiate, 503);
        fixture.Fake.Faults.ServerError(FakeOperation.UploadPut, 500);
        var bytes = new byte[] { 1, 2, 3, 4, 5 };

        var uploaded = await fal.UploadAsync(new MemoryStream(bytes), "audio/wav", "voice.wav", default);

        using var client = new HttpClient();
        Assert.Equal(bytes, await client.GetByteArrayAsync(uploaded.Url));
        Assert.Equal(2, fixture.Fake.Requests.Count(r => r.Method == "PUT"));
        Assert.All(fixture.Fake.Requests.Where(r => r.Method == "PUT"), put => Assert.Equal(bytes, put.Body));
    }

    [Theory]
    [InlineData(FakeJobOutcome.ContentPolicy, ProviderErrorKind.ContentPolicy, "content_policy_violation")]
    [InlineData(FakeJobOutcome.ValidationError, ProviderErrorKind.Validation, "image_too_small")]
    [InlineData(FakeJobOutcome.GenerationFailed, ProviderErrorKind.GenerationFailed, "no_media_generated")]
    [InlineData(FakeJobOutcome.InternalError, ProviderErrorKind.Transient, "internal_error")]
    [InlineData(FakeJobOutcome.StartTimeout, ProviderErrorKind.StartTimeout, "request_timeout")]
    public async Task Completed_with_error_is_failed_with_the_real_error_from_the_result_call(FakeJobOutcome outcome, ProviderErrorKind kind, string code)
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Jobs.EnqueueOutcome(outcome);
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Model, Body($"fails {outcome}")), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        var status = await fal.GetStatusAsync(submission.Handle, default);

        Assert.Equal(ProviderJobState.Failed, status.State);
        Assert.Equal(kind, status.Error!.Kind);
        Assert.Equal(code, status.Error.Code);
        Assert.Null(status.Error.RetryAfter);
        Assert.Contains(fixture.Fake.Requests, r => r.Method == "GET" && r.Path.EndsWith($"/requests/{submission.RequestId}", StringComparison.Ordinal));
        var resultError = (await Assert.ThrowsAsync<ProviderException>(() => fal.GetResultAsync(submission.Handle, default))).Error;
        Assert.Equal(kind, resultError.Kind);
    }

    [Fact]
    public async Task A_transient_failure_of_the_result_call_behind_a_completed_with_error_is_retried_not_reported_as_the_job_error()
    {
        var fal = fixture.CreateProvider();
        fixture.Fake.Jobs.EnqueueOutcome(FakeJobOutcome.ContentPolicy);
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("result call flaky")), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);
        fixture.Fake.Faults.Add(FakeOperation.Result, new StatusFault(503, "<html>upstream unavailable</html>"));
        fixture.Fake.Faults.RateLimit(FakeOperation.Result, 1);

        var status = await fal.GetStatusAsync(submission.Handle, default);

        Assert.Equal(ProviderErrorKind.ContentPolicy, status.Error!.Kind);
        Assert.Equal(0, fixture.Fake.Faults.Pending(FakeOperation.Result));
    }

    [Fact]
    public async Task Start_timeout_504_with_user_timeout_type_is_final_and_not_retried()
    {
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("504 user")), default);
        fixture.Fake.Faults.Add(FakeOperation.Status, new StatusFault(504, "{\"detail\":\"Request timed out\",\"error_type\":\"request_timeout\"}",
            new Dictionary<string, string> { ["X-Fal-Error-Type"] = "request_timeout", ["X-Fal-Request-Timeout-Type"] = "user" }), times: 3);

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.GetStatusAsync(submission.Handle, default))).Error;

        Assert.Equal(ProviderErrorKind.StartTimeout, error.Kind);
        Assert.Equal(2, fixture.Fake.Faults.Pending(FakeOperation.Status));
    }

    [Fact]
    public async Task Expired_output_urls_answer_404_after_the_cdn_dropped_them()
    {
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("expiring")), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);
        var url = Assert.Single((await fal.GetResultAsync(submission.Handle, default)).Files).Url;
        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);

        fixture.Fake.ExpireOutputs();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task Unknown_request_status_is_not_found()
    {
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Model, Body("known")), default);
        var unknown = submission.Handle with
        {
            Properties = submission.Handle.Properties.SetItem("status_url", $"{fixture.Fake.QueueUrl}/fal-ai/ideogram/requests/unknown/status"),
        };

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.GetStatusAsync(unknown, default))).Error;

        Assert.Equal(ProviderErrorKind.NotFound, error.Kind);
    }
}
