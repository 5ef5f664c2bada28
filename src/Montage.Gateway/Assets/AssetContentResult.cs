using Microsoft.Net.Http.Headers;
using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;

namespace Montage.Gateway.Assets;

/// <summary>
/// Relays AssetStore.Download into the response one chunk at a time. Headers are sent only once the store has
/// answered with the asset, so a failure before the first byte is still a problem response; a failure after it
/// aborts the connection, so a client never takes a truncated body for a complete one.
/// </summary>
internal sealed partial class AssetContentResult(
    AssetStoreClient store,
    Asset asset,
    string owner,
    EntityTagHeaderValue etag,
    ByteRange range,
    string disposition,
    bool signed,
    bool headOnly,
    ILogger logger) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        var partial = range.Outcome == ByteRangeOutcome.Partial;
        if (headOnly)
        {
            WriteHeaders(response, partial);
            return;
        }

        var cancellationToken = httpContext.RequestAborted;
        var request = new DownloadRequest { AssetId = asset.Id, Owner = owner, Offset = range.Offset, Length = range.Length };
        using var call = store.StartDownload(request, cancellationToken);
        var started = false;
        try
        {
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var message = call.ResponseStream.Current;
                if (message.PartCase == DownloadResponse.PartOneofCase.Asset)
                {
                    continue;
                }

                if (!started)
                {
                    WriteHeaders(response, partial);
                    started = true;
                }

                await response.Body.WriteAsync(message.Chunk.Memory, cancellationToken).ConfigureAwait(false);
            }

            if (!started)
            {
                WriteHeaders(response, partial);
            }
        }
        catch (RpcException exception) when (!started && !cancellationToken.IsCancellationRequested)
        {
            await AssetProblems.FromRpc(exception, asset.Id, "invalid_request", StatusCodes.Status400BadRequest).ExecuteAsync(httpContext).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RpcException or IOException or OperationCanceledException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                LogBrokenDownload(logger, asset.Id, exception.GetType().Name);
            }

            httpContext.Abort();
        }
    }

    private void WriteHeaders(HttpResponse response, bool partial)
    {
        var headers = response.Headers;
        response.StatusCode = partial ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
        response.ContentType = asset.ContentType.Length == 0 ? "application/octet-stream" : asset.ContentType;
        response.ContentLength = partial ? range.Length : asset.SizeBytes;
        if (partial)
        {
            headers.ContentRange = range.ContentRange(asset.SizeBytes);
        }

        headers.ETag = etag.ToString();
        headers.AcceptRanges = "bytes";
        headers.ContentDisposition = ContentDisposition();
        headers.CacheControl = signed ? "private, max-age=300" : "private, max-age=3600";
        // Uploaded bytes are served from the API's origin: never let a browser run them as a page or script.
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
    }

    /// <summary>Media plays inline when asked; anything else (SVG, text, unknown) is always a download.</summary>
    private string ContentDisposition()
    {
        var isPlayable = asset.Kind is AssetKind.Image or AssetKind.Video or AssetKind.Audio && !asset.ContentType.Contains("svg", StringComparison.OrdinalIgnoreCase);
        var value = new ContentDispositionHeaderValue(isPlayable && disposition != "attachment" ? "inline" : "attachment");
        value.SetHttpFileName(asset.Name.Length > 0 ? asset.Name : asset.Id);
        return value.ToString();
    }

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Download of asset {AssetId} broke off after it started ({Failure}); the connection was aborted.")]
    private static partial void LogBrokenDownload(ILogger logger, string assetId, string failure);
}
