using System.Text.Json.Nodes;
using Montage.Providers.Abstractions;
using Montage.Providers.Catalog;
using Montage.Providers.Local;

namespace Montage.Providers.Tests.Local;

/// <summary>The local engine behind the provider interface: submit, follow, fetch, cancel, as a worker would.</summary>
[Collection(LocalEngineCollection.Name)]
public sealed class LocalProviderFunctionalTests(LocalEngineFixture fixture) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly LocalProvider _provider = new(fixture.Engine, new LocalProviderOptions { DataDirectory = fixture.Output("provider") });

    [Fact]
    public async Task A_storyboard_submitted_through_the_catalog_completes_with_a_png_file()
    {
        var validated = ModelCatalog.Load().Validate("local/storyboard", new JsonObject
        {
            ["prompt"] = "EXT. HARBOUR - DAWN", ["image_size"] = new JsonObject { ["width"] = 320, ["height"] = 180 },
        });
        var request = ProviderRequestBuilder.BuildSubmitRequest(validated.Model!, validated.Normalized!, new Dictionary<string, string>());

        var submission = await _provider.SubmitAsync(request, CancellationToken.None);
        Assert.Equal(ProviderNames.Local, submission.Handle.Provider);
        Assert.Equal("storyboard", submission.Handle.ModelEndpoint);

        var status = await WaitForEndAsync(ProviderJobHandle.Parse(submission.Handle.Serialize()));
        Assert.Equal(ProviderJobState.Completed, status.State);

        var result = await _provider.GetResultAsync(submission.Handle, CancellationToken.None);
        var file = Assert.Single(result.Files);
        Assert.Equal(("images[0]", "image/png", 320, 180), (file.Name, file.ContentType, file.Width, file.Height));
        Assert.True(file.Url.IsFile && File.Exists(file.Url.LocalPath));
    }

    [Fact]
    public async Task Media_given_as_data_uris_and_file_urls_is_rendered()
    {
        var image = "data:image/png;base64," + Convert.ToBase64String(await File.ReadAllBytesAsync(fixture.Landscape));
        var validated = ModelCatalog.Load().Validate("local/kenburns", new JsonObject
        {
            ["image"] = "ast_image", ["end_image"] = "ast_end", ["duration"] = 1, ["resolution"] = "180p", ["prompt"] = "pan right",
        });
        var media = new Dictionary<string, string> { ["ast_image"] = image, ["ast_end"] = new Uri(fixture.GreenCard).AbsoluteUri };
        var request = ProviderRequestBuilder.BuildSubmitRequest(validated.Model!, validated.Normalized!, media);

        var submission = await _provider.SubmitAsync(request, CancellationToken.None);
        Assert.Equal(ProviderJobState.Completed, (await WaitForEndAsync(submission.Handle)).State);

        var video = Assert.Single((await _provider.GetResultAsync(submission.Handle, CancellationToken.None)).Files);
        Assert.Equal("video", video.Name);
        await MediaAssert.VideoAsync(fixture.Engine, video.Url.LocalPath, 320, 180, 1.0, 24, audio: false);
        Assert.Equal(1.0, video.DurationSeconds!.Value, 2);
    }

    [Fact]
    public async Task Cancelling_a_running_render_fails_it_as_cancelled()
    {
        var body = new JsonObject
        {
            ["image"] = fixture.Landscape, ["duration"] = 20, ["fps"] = 30, ["resolution"] = "1080p",
            ["aspect_ratio"] = "16:9", ["prompt"] = "slow zoom in",
        };
        var submission = await _provider.SubmitAsync(new ProviderSubmitRequest("local/kenburns", body), CancellationToken.None);
        var deadline = DateTime.UtcNow + Patience;
        while ((await _provider.GetStatusAsync(submission.Handle, CancellationToken.None)).Logs.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        // Running and reporting progress: cancelling now has to stop FFmpeg mid-render.
        var running = await _provider.GetStatusAsync(submission.Handle, CancellationToken.None);
        Assert.Equal(ProviderJobState.Running, running.State);
        Assert.Contains("rendered", running.Logs[0].Message, StringComparison.Ordinal);
        Assert.Equal(CancelOutcome.Requested, await _provider.CancelAsync(submission.Handle, CancellationToken.None));

        var status = await WaitForEndAsync(submission.Handle);
        Assert.Equal(ProviderJobState.Failed, status.State);
        Assert.Equal(ProviderErrorKind.Cancelled, status.Error!.Kind);
        var error = await Assert.ThrowsAsync<ProviderException>(() => _provider.GetResultAsync(submission.Handle, CancellationToken.None));
        Assert.Equal(ProviderErrorKind.Cancelled, error.Error.Kind);
        Assert.Equal(CancelOutcome.AlreadyCompleted, await _provider.CancelAsync(submission.Handle, CancellationToken.None));
    }

    [Fact]
    public async Task A_broken_input_fails_the_job_with_a_classified_error()
    {
        var broken = fixture.Output("broken.png");
        await File.WriteAllTextAsync(broken, "not an image");
        var body = new JsonObject { ["image"] = broken, ["duration"] = 1, ["fps"] = 24, ["resolution"] = "180p", ["aspect_ratio"] = "16:9" };

        var submission = await _provider.SubmitAsync(new ProviderSubmitRequest("kenburns", body), CancellationToken.None);

        var status = await WaitForEndAsync(submission.Handle);
        Assert.Equal(ProviderJobState.Failed, status.State);
        Assert.Equal(ProviderErrorKind.GenerationFailed, status.Error!.Kind);
        Assert.DoesNotContain(fixture.Directory, status.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_models_and_handles_are_refused()
    {
        var model = await Assert.ThrowsAsync<ProviderException>(() =>
            _provider.SubmitAsync(new ProviderSubmitRequest("fal-ai/ideogram/v3", []), CancellationToken.None));
        Assert.Equal(ProviderErrorKind.Validation, model.Error.Kind);

        var handle = new ProviderJobHandle(ProviderNames.Local, "local-unknown", "storyboard");
        var missing = await Assert.ThrowsAsync<ProviderException>(() => _provider.GetStatusAsync(handle, CancellationToken.None));
        Assert.Equal(ProviderErrorKind.NotFound, missing.Error.Kind);
        Assert.Equal(CancelOutcome.NotFound, await _provider.CancelAsync(handle, CancellationToken.None));
    }

    [Fact]
    public async Task Uploads_become_file_urls_and_webhooks_are_refused()
    {
        using var content = new MemoryStream([1, 2, 3]);

        var uploaded = await _provider.UploadAsync(content, "image/png", "face.png", CancellationToken.None);

        Assert.True(uploaded.Url.IsFile);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(uploaded.Url.LocalPath));
        Assert.Null(uploaded.ExpiresAt);
        var verification = await _provider.VerifyWebhookAsync(new WebhookRequest([], Array.Empty<byte>()), CancellationToken.None);
        Assert.False(verification.IsVerified);
    }

    [Fact]
    public async Task Finished_jobs_and_their_files_are_removed_after_the_retention()
    {
        using var provider = new LocalProvider(fixture.Engine, new LocalProviderOptions { DataDirectory = fixture.Output("retention"), FinishedJobRetention = TimeSpan.Zero });
        var body = new JsonObject { ["prompt"] = "first", ["image_size"] = new JsonObject { ["width"] = 64, ["height"] = 64 } };
        var first = await provider.SubmitAsync(new ProviderSubmitRequest("storyboard", body), CancellationToken.None);
        var deadline = DateTime.UtcNow + Patience;
        while (!(await provider.GetStatusAsync(first.Handle, CancellationToken.None)).IsTerminal && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var file = Assert.Single((await provider.GetResultAsync(first.Handle, CancellationToken.None)).Files).Url.LocalPath;
        Assert.True(File.Exists(file));

        await provider.SubmitAsync(new ProviderSubmitRequest("storyboard", body), CancellationToken.None);

        var gone = await Assert.ThrowsAsync<ProviderException>(() => provider.GetStatusAsync(first.Handle, CancellationToken.None));
        Assert.Equal(ProviderErrorKind.NotFound, gone.Error.Kind);
        Assert.False(File.Exists(file));
    }

    public void Dispose() => _provider.Dispose();

    private async Task<ProviderStatus> WaitForEndAsync(ProviderJobHandle handle)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var status = await _provider.GetStatusAsync(handle, CancellationToken.None);
            if (status.IsTerminal || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(50);
        }
    }
}
