using System.Text.Json.Nodes;
using Montage.FakeProviders;
using Montage.Providers.Abstractions;
using Montage.Providers.Tests.Support;

namespace Montage.Providers.Tests.Fal;

/// <summary>The fal client against the fake fal: the happy paths of submit, status, result, cancel and upload.</summary>
public sealed class FalClientFunctionalTests : IClassFixture<FalFixture>
{
    private const string Ideogram = "fal-ai/ideogram/v3";
    private const string Kling21 = "fal-ai/kling-video/v2.1/pro/image-to-video";
    private const string Kling26 = "fal-ai/kling-video/v2.6/pro/image-to-video";
    private readonly FalFixture fixture;

    public FalClientFunctionalTests(FalFixture fixture)
    {
        this.fixture = fixture;
        fixture.Fake.Reset();
    }

    [Fact]
    public async Task Image_job_goes_queued_running_completed_and_yields_a_real_png()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.PerPoll;
        var fal = fixture.CreateProvider();

        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Ideogram, new JsonObject { ["prompt"] = "a lighthouse at dusk" }), default);
        Assert.Equal(2, submission.QueuePosition);

        var queued = await fal.GetStatusAsync(submission.Handle, default);
        Assert.Equal(ProviderJobState.Queued, queued.State);
        Assert.Equal(2, queued.QueuePosition);

        var running = await fal.GetStatusAsync(submission.Handle, default);
        Assert.Equal(ProviderJobState.Running, running.State);
        Assert.Contains(running.Logs, l => l.Message.StartsWith("Generating", StringComparison.Ordinal) && l.Level == "INFO" && l.Timestamp is not null);

        var completed = await fal.GetStatusAsync(submission.Handle, default);
        Assert.Equal(ProviderJobState.Completed, completed.State);
        Assert.Equal(0.42, (double)completed.Metrics!["inference_time"]!);

        var result = await fal.GetResultAsync(submission.Handle, default);
        var image = Assert.Single(result.Files);
        Assert.Equal("images[0]", image.Name);
        Assert.Equal("image/png", image.ContentType);
        Assert.Equal((FakeMedia.Width, FakeMedia.Height), (image.Width, image.Height));
        var bytes = await MediaAssertions.DownloadAsync(image.Url);
        Assert.Equal(image.SizeBytes, bytes.Length);
        Assert.Equal(MediaAssertions.PngSignature, bytes[..8]);
        Assert.Equal(42, (int)result.Raw!["seed"]!);
    }

    [Fact]
    public async Task Video_with_generated_audio_is_an_h264_aac_mp4_with_metadata()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Kling26, new JsonObject
        {
            ["prompt"] = "waves",
            ["start_image_url"] = "https://assets.montage.test/a.png",
            ["generate_audio"] = true,
        }), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        var result = await fal.GetResultAsync(submission.Handle, default);
        var video = Assert.Single(result.Files);
        Assert.Equal("video", video.Name);
        Assert.Equal("video/mp4", video.ContentType);
        Assert.Equal(FakeMedia.VideoSeconds, video.DurationSeconds);
        Assert.Equal(FakeMedia.FramesPerSecond, video.FramesPerSecond);
        var codecs = await MediaAssertions.CodecsAsync(await MediaAssertions.DownloadAsync(video.Url));
        Assert.Equal(["aac", "h264"], codecs.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Video_without_audio_has_only_an_h264_stream()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Kling21, new JsonObject { ["prompt"] = "p", ["image_url"] = "https://a/b.png" }), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        var video = Assert.Single((await fal.GetResultAsync(submission.Handle, default)).Files);
        Assert.Equal(["h264"], await MediaAssertions.CodecsAsync(await MediaAssertions.DownloadAsync(video.Url)));
    }

    [Fact]
    public async Task Status_result_and_cancel_use_the_urls_returned_by_submit_which_drop_the_model_sub_path()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Kling21, new JsonObject { ["prompt"] = "p", ["image_url"] = "https://a/b.png" }), default);
        var id = submission.RequestId;
        var requestBase = $"{fixture.Fake.QueueUrl}/fal-ai/kling-video/requests/{id}";
        Assert.Equal($"{requestBase}/status", submission.Handle.GetProperty("status_url"));
        Assert.Equal(requestBase, submission.Handle.GetProperty("response_url"));
        Assert.Equal($"{requestBase}/cancel", submission.Handle.GetProperty("cancel_url"));

        await fal.GetStatusAsync(submission.Handle, default);
        var statusCall = fixture.Fake.Requests.Last(r => r.Method == "GET");
        Assert.Equal($"/fal/queue/fal-ai/kling-video/requests/{id}/status", statusCall.Path);
        Assert.Equal("1", statusCall.Query("logs"));
        Assert.Equal($"Key {FakeFal.DefaultApiKey}", statusCall.Header("Authorization"));
    }

    [Fact]
    public async Task A_handle_serialised_before_a_restart_resumes_the_job_in_a_new_process()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var before = fixture.CreateProvider();
        var submission = await before.SubmitAsync(new ProviderSubmitRequest(Ideogram, new JsonObject { ["prompt"] = "resume me" }), default);
        var checkpoint = submission.Handle.Serialize();
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        var after = fixture.CreateProvider();
        var handle = ProviderJobHandle.Parse(checkpoint);
        Assert.Equal(submission.Handle, handle);
        Assert.Equal(ProviderJobState.Completed, (await after.GetStatusAsync(handle, default)).State);
        Assert.Single((await after.GetResultAsync(handle, default)).Files);
        Assert.Equal(1, fixture.Fake.Jobs.TotalSubmits);
    }

    [Fact]
    public async Task Several_images_are_all_returned_in_order()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Ideogram, new JsonObject { ["prompt"] = "p", ["num_images"] = 3 }), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        var files = (await fal.GetResultAsync(submission.Handle, default)).Files;
        Assert.Equal(["images[0]", "images[1]", "images[2]"], files.Select(f => f.Name).ToArray());
    }

    [Fact]
    public async Task Result_before_completion_is_refused_with_a_classified_error()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Ideogram, new JsonObject { ["prompt"] = "p" }), default);

        var error = (await Assert.ThrowsAsync<ProviderException>(() => fal.GetResultAsync(submission.Handle, default))).Error;
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("Request is still in progress", error.Message);
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public async Task Cancel_in_queue_is_requested_and_the_job_ends_cancelled()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Ideogram, new JsonObject { ["prompt"] = "cancel me" }), default);

        Assert.Equal(CancelOutcome.Requested, await fal.CancelAsync(submission.Handle, default));
        var cancelCall = fixture.Fake.Requests.Single(r => r.Method == "PUT");
        Assert.Equal($"/fal/queue/fal-ai/ideogram/requests/{submission.RequestId}/cancel", cancelCall.Path);

        var status = await fal.GetStatusAsync(submission.Handle, default);
        Assert.Equal(ProviderJobState.Failed, status.State);
        Assert.Equal(ProviderErrorKind.Cancelled, status.Error!.Kind);
    }

    [Fact]
    public async Task Cancel_after_completion_is_already_completed_and_unknown_request_is_not_found()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Ideogram, new JsonObject { ["prompt"] = "done" }), default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);

        Assert.Equal(CancelOutcome.AlreadyCompleted, await fal.CancelAsync(submission.Handle, default));
        var unknown = submission.Handle with { Properties = submission.Handle.Properties.SetItem("cancel_url", $"{fixture.Fake.QueueUrl}/fal-ai/ideogram/requests/nope/cancel") };
        Assert.Equal(CancelOutcome.NotFound, await fal.CancelAsync(unknown, default));
    }

    [Fact]
    public async Task Cancel_while_running_is_requested_but_the_job_may_still_complete()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Ideogram, new JsonObject { ["prompt"] = "running" }), default);
        await fixture.Fake.Jobs.AdvanceAsync(submission.RequestId);

        Assert.Equal(CancelOutcome.Requested, await fal.CancelAsync(submission.Handle, default));
        await fixture.Fake.Jobs.AdvanceAsync(submission.RequestId);
        Assert.Equal(ProviderJobState.Completed, (await fal.GetStatusAsync(submission.Handle, default)).State);
    }

    [Fact]
    public async Task Upload_initiates_with_the_key_puts_the_bytes_without_it_and_serves_them_back()
    {
        var fal = fixture.CreateProvider();
        var bytes = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)).ToArray();

        // A one-way stream, as a network download would be.
        await using var source = new NonSeekableStream(bytes);
        var uploaded = await fal.UploadAsync(source, "image/png", "portrait.png", default);

        Assert.Equal(bytes, await MediaAssertions.DownloadAsync(uploaded.Url));
        var initiate = fixture.Fake.Requests.Single(r => r.Path.EndsWith("/storage/upload/initiate", StringComparison.Ordinal));
        Assert.Equal("fal-cdn-v3", initiate.Query("storage_type"));
        Assert.Equal("{\"content_type\":\"image/png\",\"file_name\":\"portrait.png\"}", initiate.BodyText);
        Assert.Equal($"Key {FakeFal.DefaultApiKey}", initiate.Header("Authorization"));
        var put = fixture.Fake.Requests.Single(r => r.Method == "PUT");
        Assert.Null(put.Header("Authorization"));
        Assert.Equal("image/png", put.Header("Content-Type"));
    }

    [Fact]
    public async Task Output_lifetime_header_makes_the_fake_cdn_expire_the_file()
    {
        fixture.Fake.Jobs.Progression = FakeProgression.Manual;
        var fal = fixture.CreateProvider();
        var submission = await fal.SubmitAsync(new ProviderSubmitRequest(Ideogram, new JsonObject { ["prompt"] = "short lived" })
        {
            OutputLifetime = TimeSpan.FromSeconds(1),
        }, default);
        await fixture.Fake.Jobs.CompleteAsync(submission.RequestId);
        var url = Assert.Single((await fal.GetResultAsync(submission.Handle, default)).Files).Url;

        using var client = new HttpClient();
        await Eventually.UntilAsync(async () => (int)(await client.GetAsync(url)).StatusCode, status => status == 404, TimeSpan.FromSeconds(30));
    }
}

/// <summary>A stream that can only be read forwards once.</summary>
internal sealed class NonSeekableStream(byte[] bytes) : Stream
{
    private readonly MemoryStream inner = new(bytes);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        inner.Dispose();
        base.Dispose(disposing);
    }
}
