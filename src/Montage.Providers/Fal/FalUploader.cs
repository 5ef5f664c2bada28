using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Montage.Providers.Abstractions;
using Montage.Providers.Http;

namespace Montage.Providers.Fal;

/// <summary>fal CDN upload: initiate (authorised) to get a signed upload URL, then PUT the bytes there (no key sent).</summary>
internal sealed class FalUploader
{
    private readonly IHttpClientFactory httpClientFactory;
    private readonly FalOptions options;
    private readonly ProviderCallExecutor executor;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;

    public FalUploader(IHttpClientFactory httpClientFactory, FalOptions options, ProviderCallExecutor executor, TimeProvider timeProvider, ILogger logger)
    {
        this.httpClientFactory = httpClientFactory;
        this.options = options;
        this.executor = executor;
        this.timeProvider = timeProvider;
        this.logger = logger;
    }

    public async Task<UploadedFile> UploadAsync(Stream content, string contentType, string fileName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);

        // A retried PUT must send the same bytes again, so a one-way stream is buffered first.
        var replayable = content.CanSeek ? content : await BufferAsync(content, cancellationToken).ConfigureAwait(false);
        var start = replayable.Position;
        try
        {
            var (uploadUrl, fileUrl) = await InitiateAsync(contentType, fileName, cancellationToken).ConfigureAwait(false);
            await executor.ExecuteAsync(CallKind.Idempotent, async ct =>
            {
                using var message = new HttpRequestMessage(HttpMethod.Put, uploadUrl) { Content = new ReplayableStreamContent(replayable, start) };
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                using var response = await Client().SendAsync(message, ct).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                return response.IsSuccessStatusCode
                    ? Attempt<bool>.Success(true)
                    : Attempt<bool>.Fail(FalErrors.FromResponse(response, text, timeProvider), FalErrors.IsRetryableStatus(response.StatusCode));
            }, cancellationToken, options.Retry.UploadTimeout).ConfigureAwait(false);

            FalLog.Uploaded(logger, fileName, contentType);
            return new UploadedFile(fileUrl, ExpiresAt: null);
        }
        finally
        {
            if (!ReferenceEquals(replayable, content))
            {
                await replayable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private Task<(Uri UploadUrl, Uri FileUrl)> InitiateAsync(string contentType, string fileName, CancellationToken cancellationToken)
    {
        var url = new Uri($"{FalHandle.Base(options.RestUrl)}/storage/upload/initiate?storage_type=fal-cdn-v3");
        var body = new JsonObject { ["content_type"] = contentType, ["file_name"] = fileName }.ToJsonString();
        return executor.ExecuteAsync(CallKind.Idempotent, async ct =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            };
            message.Headers.Authorization = new AuthenticationHeaderValue("Key", options.Key);
            using var response = await Client().SendAsync(message, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var error = FalErrors.FromResponse(response, text, timeProvider);
                return Attempt<(Uri, Uri)>.Fail(error, FalErrors.IsRetryableStatus(response.StatusCode) && error.IsRetryable);
            }

            var json = JsonText.TryParse(text) as JsonObject;
            return Uri.TryCreate(JsonText.String(json?["upload_url"]), UriKind.Absolute, out var upload)
                   && Uri.TryCreate(JsonText.String(json?["file_url"]), UriKind.Absolute, out var file)
                ? Attempt<(Uri, Uri)>.Success((upload, file))
                : Attempt<(Uri, Uri)>.Fail(new ProviderError(ProviderErrorKind.Transient, "malformed_answer", "fal.ai returned an unreadable upload answer."), retry: true);
        }, cancellationToken);
    }

    private HttpClient Client() => httpClientFactory.CreateClient(FalProvider.HttpClientName);

    private static async Task<Stream> BufferAsync(Stream content, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        buffer.Position = 0;
        return buffer;
    }
}
