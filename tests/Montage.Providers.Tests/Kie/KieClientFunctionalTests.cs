using System.Net;
using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Providers.Abstractions;
using Montage.Providers.Tests.Support;

namespace Montage.Providers.Tests.Kie;

/// <summary>The KIE client against the fake KIE: jobs, results, uploads, and every fault.</summary>
public sealed class KieClientFunctionalTests : IClassFixture<KieFixture>
{
    private const string Video = "kling-3.0/video";
    private readonly KieFixture fixture;

    public KieClientFunctionalTests(KieFixture fixture)
    {
        this.fixture = fixture;
        fixture.Fake.Reset();
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
    }

    private static JsonObject Input(string prompt, bool sound = false) => new()
    {
        ["prompt"] = prompt,
        ["image_urls"] = new JsonArray("https://assets.montage.test/first.png"),
        ["sound"] = sound,
        ["duration"] = "5",
        ["aspect_ratio"] = "16:9",
        ["mode"] = "std",
    };

    [Fact]
    public async Task Video_task_goes_waiting_generating_success_and_yields_a_real_mp4_with_sound()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.PerPoll;
        var kie = fixture.CreateProvider();

        var submission = await kie.SubmitAsync(new ProviderSubmitRequest(Video, Input("a knight", sound: true)), default);
        Assert.Equal("kie", submission.Handle.Provider);

        Assert.Equal(ProviderJobState.Queued, (await kie.GetStatusAsync(submission.Handle, default)).State);
        Assert.Equal(ProviderJobState.Running, (await kie.GetStatusAsync(submission.Handle, default)).State);
        Assert.Equal(ProviderJobState.Completed, (await kie.GetStatusAsync(submission.Handle, default)).State);

        var result = await kie.GetResultAsync(submission.Handle, default);
        var video = Assert.Single(result.Files);
        Assert.Equal("resultUrls[0]", video.Name);
        Assert.Equal("video/mp4", video.ContentType);
        Assert.Equal(video.Url.ToString(), (string?)result.Raw!["resultUrls"]![0]);
        var codecs = await MediaAssertions.CodecsAsync(await MediaAssertions.DownloadAsync(video.Url));
        Assert.Equal(["aac", "h264"], codecs.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Image_task_yields_a_real_png()
    {
        var kie = fixture.CreateProvider();
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest("kling-3.0/image", new JsonObject { ["prompt"] = "a castle" }), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        var image = Assert.Single((await kie.GetResultAsync(submission.Handle, default)).Files);
        Assert.Equal("image/png", image.ContentType);
        Assert.Equal(MediaAssertions.PngSignature, (await MediaAssertions.DownloadAsync(image.Url))[..8]);
    }

    [Fact]
    public async Task A_handle_serialised_before_a_restart_resumes_the_task()
    {
        var submission = await fixture.CreateProvider().SubmitAsync(new ProviderSubmitRequest(Video, Input("resume")), default);
        var checkpoint = submission.Handle.Serialize();
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        var after = fixture.CreateProvider();
        Assert.Equal(ProviderJobState.Completed, (await after.GetStatusAsync(ProviderJobHandle.Parse(checkpoint), default)).State);
        Assert.Equal(1, fixture.Fake.Jobs.TotalSubmits);
        var query = fixture.Fake.Requests.Last(r => r.Path.EndsWith("/recordInfo", StringComparison.Ordinal));
        Assert.Equal(submission.RequestId, query.Query("taskId"));
        Assert.Equal("Bearer fake-kie-key", query.Header("Authorization"));
    }

    [Theory]
    [InlineData(FakeJobOutcome.GenerationFailed, ProviderErrorKind.GenerationFailed, "501")]
    [InlineData(FakeJobOutcome.ValidationError, ProviderErrorKind.Validation, "422")]
    [InlineData(FakeJobOutcome.InternalError, ProviderErrorKind.GenerationFailed, "500")]
    public async Task A_failed_task_is_failed_with_its_classified_fail_code(FakeJobOutcome outcome, ProviderErrorKind kind, string code)
    {
        var kie = fixture.CreateProvider();
        fixture.Fake.Jobs.EnqueueOutcome(outcome);
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest(Video, Input($"fail {outcome}")), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        var status = await kie.GetStatusAsync(submission.Handle, default);

        Assert.Equal(ProviderJobState.Failed, status.State);
        Assert.Equal(kind, status.Error!.Kind);
        Assert.Equal(code, status.Error.Code);
        Assert.False(status.Error.IsRetryable);
        Assert.Equal(kind, (await Assert.ThrowsAsync<ProviderException>(() => kie.GetResultAsync(submission.Handle, default))).Error.Kind);
    }

    [Theory]
    [InlineData(402, ProviderErrorKind.InsufficientCredits)]
    [InlineData(401, ProviderErrorKind.Unauthorized)]
    [InlineData(422, ProviderErrorKind.Validation)]
    [InlineData(501, ProviderErrorKind.GenerationFailed)]
    [InlineData(505, ProviderErrorKind.Validation)]
    [InlineData(500, ProviderErrorKind.Transient)]
    public async Task An_error_code_inside_http_200_is_the_outcome_and_is_never_resent(int code, ProviderErrorKind kind)
    {
        var kie = fixture.CreateProvider();
        fixture.Fake.Faults.Add(FakeOperation.Submit, new EnvelopeFault(code, $"injected {code}"));

        var error = (await Assert.ThrowsAsync<ProviderException>(() => kie.SubmitAsync(new ProviderSubmitRequest(Video, Input($"code {code}")), default))).Error;

        Assert.Equal(kind, error.Kind);
        Assert.Equal($"injected {code}", error.Message);
        Assert.Single(fixture.Fake.Submits);
        Assert.Equal(0, fixture.Fake.Jobs.TotalSubmits);
    }

    [Theory]
    [InlineData(429, 200)]
    [InlineData(429, 429)]
    [InlineData(455, 200)]
    [InlineData(503, 503)]
    public async Task Not_accepted_answers_are_retried_and_the_task_is_paid_once(int code, int httpStatus)
    {
        var kie = fixture.CreateProvider();
        fixture.Fake.Faults.Add(FakeOperation.Submit, new EnvelopeFault(code, "busy", httpStatus, RetryAfterSeconds: 1), times: 2);

        await kie.SubmitAsync(new ProviderSubmitRequest(Video, Input($"retry {code}/{httpStatus}")), default);

        Assert.Equal(3, fixture.Fake.Submits.Count);
        Assert.Equal(1, fixture.Fake.Jobs.SubmitCount(Video, Input($"retry {code}/{httpStatus}")));
    }

    [Fact]
    public async Task Connection_dropped_after_createTask_was_accepted_is_outcome_unknown_and_never_resent()
    {
        var kie = fixture.CreateProvider();
        fixture.Fake.Faults.DropConnection(FakeOperation.Submit);

        var error = (await Assert.ThrowsAsync<ProviderException>(() => kie.SubmitAsync(new ProviderSubmitRequest(Video, Input("dropped")), default))).Error;

        Assert.Equal(ProviderErrorKind.OutcomeUnknown, error.Kind);
        Assert.Single(fixture.Fake.Submits);
        Assert.Equal(1, fixture.Fake.Jobs.SubmitCount(Video, Input("dropped")));
    }

    [Fact]
    public async Task Slow_create_beyond_the_deadline_is_outcome_unknown_and_never_resent()
    {
        var kie = fixture.CreateProvider(s => s["Providers:Kie:Retry:AttemptTimeout"] = "00:00:01");
        fixture.Fake.Faults.Slow(FakeOperation.Submit, TimeSpan.FromSeconds(5));

        var error = (await Assert.ThrowsAsync<ProviderException>(() => kie.SubmitAsync(new ProviderSubmitRequest(Video, Input("slow")), default))).Error;

        Assert.Equal(ProviderErrorKind.OutcomeUnknown, error.Kind);
        Assert.Single(fixture.Fake.Submits);
    }

    [Theory]
    [InlineData("500 in 200")]
    [InlineData("429")]
    [InlineData("455")]
    [InlineData("drop")]
    [InlineData("slow")]
    public async Task RecordInfo_survives_transient_faults(string fault)
    {
        var submission = await fixture.CreateProvider().SubmitAsync(new ProviderSubmitRequest(Video, Input($"poll {fault}")), default);
        var kie = fault == "slow" ? fixture.CreateProvider(s => s["Providers:Kie:Retry:AttemptTimeout"] = "00:00:03") : fixture.CreateProvider();
        switch (fault)
        {
            case "500 in 200": fixture.Fake.Faults.Add(FakeOperation.Status, new EnvelopeFault(500, "server error"), times: 2); break;
            case "429": fixture.Fake.Faults.Add(FakeOperation.Status, new EnvelopeFault(429, "slow down", 429, 1)); break;
            case "455": fixture.Fake.Faults.Add(FakeOperation.Status, new EnvelopeFault(455, "maintenance")); break;
            case "drop": fixture.Fake.Faults.DropConnection(FakeOperation.Status, times: 2); break;
            default: fixture.Fake.Faults.Slow(FakeOperation.Status, TimeSpan.FromSeconds(30)); break;
        }

        Assert.Equal(ProviderJobState.Queued, (await kie.GetStatusAsync(submission.Handle, default)).State);
        Assert.Equal(0, fixture.Fake.Faults.Pending(FakeOperation.Status));
    }

    [Fact]
    public async Task Unknown_task_is_not_found()
    {
        var kie = fixture.CreateProvider();

        var error = (await Assert.ThrowsAsync<ProviderException>(() =>
            kie.GetStatusAsync(new ProviderJobHandle("kie", "no-such-task", Video), default))).Error;

        Assert.Equal(ProviderErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task Result_before_success_is_refused()
    {
        var kie = fixture.CreateProvider();
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest(Video, Input("early")), default);

        var error = (await Assert.ThrowsAsync<ProviderException>(() => kie.GetResultAsync(submission.Handle, default))).Error;

        Assert.Equal("not_completed", error.Code);
    }

    [Fact]
    public async Task Cancel_is_not_supported_by_kie()
    {
        var kie = fixture.CreateProvider();
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest(Video, Input("cancel")), default);

        Assert.Equal(CancelOutcome.NotSupported, await kie.CancelAsync(submission.Handle, default));
    }

    [Fact]
    public async Task Upload_is_a_multipart_file_stream_that_expires_in_24_hours()
    {
        var kie = fixture.CreateProvider();
        var bytes = Enumerable.Range(0, 50_000).Select(i => (byte)i).ToArray();
        var before = DateTimeOffset.UtcNow;

        var uploaded = await kie.UploadAsync(new MemoryStream(bytes), "image/jpeg", "hero.jpg", default);

        Assert.InRange(uploaded.ExpiresAt!.Value, before.AddHours(24), DateTimeOffset.UtcNow.AddHours(24));
        Assert.Equal(bytes, await MediaAssertions.DownloadAsync(uploaded.Url));
        var upload = fixture.Fake.Requests.Single(r => r.Path.EndsWith("/api/file-stream-upload", StringComparison.Ordinal));
        Assert.StartsWith("multipart/form-data", upload.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("Bearer fake-kie-key", upload.Header("Authorization"));
        Assert.Contains("name=uploadPath", upload.BodyText, StringComparison.Ordinal);
        Assert.Contains("montage", upload.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_retries_a_server_error()
    {
        var kie = fixture.CreateProvider();
        fixture.Fake.Faults.Add(FakeOperation.Upload, new EnvelopeFault(500, "try again"));

        var uploaded = await kie.UploadAsync(new MemoryStream([9, 8, 7]), "audio/mpeg", "voice.mp3", default);

        Assert.Equal(new byte[] { 9, 8, 7 }, await MediaAssertions.DownloadAsync(uploaded.Url));
    }

    [Fact]
    public async Task Expired_result_and_upload_urls_answer_403()
    {
        var kie = fixture.CreateProvider();
        var submission = await kie.SubmitAsync(new ProviderSubmitRequest(Video, Input("expiring")), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);
        var output = Assert.Single((await kie.GetResultAsync(submission.Handle, default)).Files).Url;
        var upload = (await kie.UploadAsync(new MemoryStream([1]), "image/png", "a.png", default)).Url;
        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(output)).StatusCode);

        fixture.Fake.ExpireFiles();

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(output)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(upload)).StatusCode);
    }

    [Fact]
    public async Task Wrong_key_is_unauthorized_and_the_key_never_appears_in_the_error()
    {
        var kie = fixture.CreateProvider(s => s["KIE_API_KEY"] = "kie-secret-987");

        var exception = await Assert.ThrowsAsync<ProviderException>(() => kie.SubmitAsync(new ProviderSubmitRequest(Video, Input("401")), default));

        Assert.Equal(ProviderErrorKind.Unauthorized, exception.Error.Kind);
        Assert.DoesNotContain("kie-secret-987", exception.ToString(), StringComparison.Ordinal);
    }
}
