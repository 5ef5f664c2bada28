using System.Net;
using Montage.AssetStorage.Storage;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;

namespace Montage.AssetStorage.Import;

/// <summary>
/// ImportFromUrl: streams a remote file into the store. http/https only; every connection (redirects included) goes
/// to a checked, public address; each redirect is followed by hand, at most a few; size, connect, read and overall
/// deadlines are enforced; transient failures (5xx, broken connections) are retried with backoff.
/// </summary>
internal sealed partial class ImportHandler(AssetStorageOptions options, AssetIngest ingest, ImportHttp http, ILogger<ImportHandler> logger)
{
    private const int CopyBufferBytes = 256 * 1024;

    public async Task<Asset> HandleAsync(ImportFromUrlRequest request, CancellationToken cancellationToken)
    {
        var owner = AssetValidation.RequireOwner(request.Owner);
        var url = ParseUrl(request.Url);
        if (request.MaxBytes < 0)
        {
            throw Errors.InvalidArgument("max_bytes must not be negative");
        }

        var maxBytes = request.MaxBytes == 0 ? options.MaxUploadBytes : Math.Min(request.MaxBytes, options.MaxUploadBytes);
        var source = AssetValidation.SourceOf(request.Source, "import");
        source.Url = WithoutQuery(url);
        var name = AssetValidation.CheckName(request.Name);
        var tags = AssetValidation.CheckTags(request.Tags);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ImportDeadline);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await ImportOnceAsync(url, maxBytes, new AssetDescription(owner, name, null, source, tags), deadline.Token).ConfigureAwait(false);
                }
                catch (TransientImportException exception) when (attempt < options.ImportMaxAttempts)
                {
                    LogRetrying(logger, source.Url, attempt, exception.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(500 * Math.Pow(2, attempt - 1) * (0.5 + Random.Shared.NextDouble())), deadline.Token).ConfigureAwait(false);
                }
                catch (TransientImportException exception)
                {
                    throw Errors.Unavailable($"the remote kept failing: {exception.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(StatusCode.DeadlineExceeded, "the import did not finish within its deadline");
        }
    }

    private async Task<Asset> ImportOnceAsync(Uri url, long maxBytes, AssetDescription description, CancellationToken cancellationToken)
    {
        using var response = await http.GetFollowingRedirectsAsync(url, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status is 408 or 429 || status >= 500)
        {
            throw new TransientImportException($"HTTP {status}");
        }

        if (status >= 300)
        {
            throw Errors.FailedPrecondition($"the remote answered HTTP {status}");
        }

        if (response.Content.Headers.ContentLength is { } length && length > maxBytes)
        {
            throw Errors.ResourceExhausted($"the remote file has {length} bytes, more than the limit of {maxBytes}");
        }

        await using var writer = new BlobWriter(options.TempDirectory, maxBytes);
        try
        {
            using var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[CopyBufferBytes];
            while (true)
            {
                readTimeout.CancelAfter(options.ImportReadTimeout);
                var read = await body.ReadAsync(buffer, readTimeout.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientImportException("no data within the read timeout");
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            throw new TransientImportException("the connection broke during the transfer");
        }

        var declared = response.Content.Headers.ContentType?.MediaType;
        return await ingest.CommitAsync(writer, description with { DeclaredContentType = declared }, null, 0, cancellationToken).ConfigureAwait(false);
    }

    private static Uri ParseUrl(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 8192 || !Uri.TryCreate(text, UriKind.Absolute, out var url))
        {
            throw Errors.InvalidArgument("url must be an absolute http or https URL");
        }

        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            throw Errors.InvalidArgument($"url scheme '{Errors.Truncate(url.Scheme)}' is not allowed: only http and https");
        }

        if (url.UserInfo.Length > 0)
        {
            throw Errors.InvalidArgument("url must not carry credentials");
        }

        return url;
    }

    /// <summary>Query strings of provider links often hold signatures: they are never stored or logged.</summary>
    internal static string WithoutQuery(Uri url) => url.GetLeftPart(UriPartial.Path);

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "Import from {Url} failed (attempt {Attempt}: {Reason}); retrying.")]
    private static partial void LogRetrying(ILogger logger, string url, int attempt, string reason);
}

/// <summary>A failure worth another attempt: 5xx, 408/429, a broken or stalled connection.</summary>
internal sealed class TransientImportException(string message) : Exception(message);

/// <summary>The guarded HTTP client plus manual, bounded, re-checked redirects.</summary>
internal sealed class ImportHttp(AssetStorageOptions options) : IDisposable
{
    private readonly HttpClient _client = GuardedHttpClient.Create(new AddressPolicy(options.ImportAllowlist), options.ImportConnectTimeout);

    public async Task<HttpResponseMessage> GetFollowingRedirectsAsync(Uri url, CancellationToken cancellationToken)
    {
        for (var redirects = 0; ; redirects++)
        {
            HttpResponseMessage response;
            using (var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                headersTimeout.CancelAfter(options.ImportReadTimeout + options.ImportConnectTimeout);
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token).ConfigureAwait(false);
                }
                catch (HttpRequestException exception) when (FindBlocked(exception) is { } blocked)
                {
                    throw Errors.InvalidArgument($"url is not allowed: {blocked.Message}");
                }
                catch (HttpRequestException exception)
                {
                    throw new TransientImportException(exception.HttpRequestError.ToString());
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TransientImportException("no response within the timeout");
                }
            }

            if (!IsRedirect(response.StatusCode))
            {
                return response;
            }

            var location = response.Headers.Location;
            response.Dispose();
            if (location is null)
            {
                throw Errors.FailedPrecondition("the remote redirected without a Location");
            }

            if (redirects >= options.ImportMaxRedirects)
            {
                throw Errors.FailedPrecondition($"the remote redirected more than {options.ImportMaxRedirects} times");
            }

            url = location.IsAbsoluteUri ? location : new Uri(url, location);
            if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            {
                throw Errors.InvalidArgument($"the remote redirected to a '{Errors.Truncate(url.Scheme)}' URL; only http and https are allowed");
            }
        }
    }

    public void Dispose() => _client.Dispose();

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static BlockedAddressException? FindBlocked(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is BlockedAddressException blocked)
            {
                return blocked;
            }
        }

        return null;
    }
}
