using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Gateway.Assets;
using Montage.Grpc;
using Montage.Providers.Catalog;

namespace Montage.Gateway.Media;

/// <summary>
/// Resolves the three forms of a media reference to an asset of the owner: an asset id (which must be the owner's),
/// an http(s) URL (imported by AssetStore.ImportFromUrl, whose SSRF guard decides what may be fetched), or a base64
/// <c>data:</c> URI (uploaded). Job output references (<c>job://</c>) pass through unchanged: JobTracking binds them
/// when the job they come from has succeeded. Failures the client must fix become <see cref="MediaReferenceException"/>;
/// an unavailable store stays an <see cref="RpcException"/>.
/// </summary>
internal sealed partial class MediaReferenceResolver(AssetStoreClient store, IOptions<GatewayAssetsOptions> options, ILogger<MediaReferenceResolver> logger)
    : IMediaReferenceResolver
{
    public async Task<string> ResolveAsync(string owner, string reference, ExpectedMedia expected, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        if (string.IsNullOrWhiteSpace(reference))
        {
            throw Invalid("A media reference must be an asset id, an http(s) URL or a data URI.");
        }

        if (MediaReference.IsJobOutput(reference))
        {
            return reference;
        }

        Asset asset;
        if (reference.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            asset = await UploadDataUriAsync(owner, reference, expected, cancellationToken).ConfigureAwait(false);
        }
        else if (Uri.TryCreate(reference, UriKind.Absolute, out var url) && !AssetIdFormat.IsWellFormed(reference))
        {
            if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            {
                throw Invalid($"URL scheme '{Shorten(url.Scheme)}' is not supported: media URLs must be http or https.");
            }

            asset = await ImportAsync(owner, url, cancellationToken).ConfigureAwait(false);
        }
        else if (AssetIdFormat.IsWellFormed(reference))
        {
            asset = await StatAsync(owner, reference, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw Invalid($"'{Shorten(reference)}' is neither an asset id (ast_...), an http(s) URL nor a data URI.");
        }

        CheckKind(asset, expected);
        return asset.Id;
    }

    private async Task<Asset> StatAsync(string owner, string id, CancellationToken cancellationToken)
    {
        try
        {
            return await store.StatAsync(new StatAssetRequest { AssetId = id, Owner = owner }, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            throw new MediaReferenceException(StatusCodes.Status422UnprocessableEntity, "asset_not_found", $"Asset '{id}' was not found.");
        }
    }

    private async Task<Asset> ImportAsync(string owner, Uri url, CancellationToken cancellationToken)
    {
        var request = new ImportFromUrlRequest { Url = url.AbsoluteUri, Owner = owner, Name = NameOf(url), MaxBytes = options.Value.MaxImportBytes };
        try
        {
            var asset = await store.ImportFromUrlAsync(request, cancellationToken).ConfigureAwait(false);
            LogImported(logger, asset.Id, url.GetLeftPart(UriPartial.Path));
            return asset;
        }
        catch (RpcException exception) when (ImportProblem(exception) is { } problem)
        {
            LogImportRefused(logger, url.GetLeftPart(UriPartial.Path), exception.StatusCode);
            throw problem;
        }
    }

    /// <summary>
    /// The store's import statuses as the client's problems. UNAVAILABLE is the client's only when the remote kept
    /// failing; when the store itself cannot be reached it stays a server-side failure.
    /// </summary>
    private static MediaReferenceException? ImportProblem(RpcException exception)
    {
        var detail = exception.Status.Detail;
        return exception.StatusCode switch
        {
            StatusCode.InvalidArgument => new(StatusCodes.Status422UnprocessableEntity, "import_refused", $"The URL cannot be imported: {detail}."),
            StatusCode.FailedPrecondition => new(StatusCodes.Status422UnprocessableEntity, "import_failed", $"The URL could not be fetched: {detail}."),
            StatusCode.Unavailable when detail.StartsWith("the remote", StringComparison.Ordinal) =>
                new(StatusCodes.Status422UnprocessableEntity, "import_failed", $"The URL could not be fetched: {detail}."),
            StatusCode.DeadlineExceeded => new(StatusCodes.Status422UnprocessableEntity, "import_timeout", "The URL did not deliver its content in time."),
            StatusCode.ResourceExhausted => new(StatusCodes.Status413PayloadTooLarge, "media_too_large", $"The URL's content is too large: {detail}."),
            _ => null,
        };
    }

    private async Task<Asset> UploadDataUriAsync(string owner, string reference, ExpectedMedia expected, CancellationToken cancellationToken)
    {
        var data = DataUri.Parse(reference, options.Value.MaxDataUriBytes);
        if (KindOfMediaType(data.MediaType) is { } declared && expected != ExpectedMedia.Any && declared != expected)
        {
            // Refused before it is stored: the declared type alone already says it cannot fit the field.
            throw KindMismatch($"The data URI is {Describe(declared)} ({data.MediaType}), but this field expects {Describe(expected)}.");
        }

        var metadata = new UploadMetadata { Owner = owner, ContentType = data.MediaType };
        try
        {
            await using var content = data.OpenRead();
            return await store.UploadAsync(metadata, content, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.InvalidArgument)
        {
            throw new MediaReferenceException(StatusCodes.Status422UnprocessableEntity, "invalid_media", $"The data URI's content was refused: {exception.Status.Detail}.");
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.ResourceExhausted)
        {
            throw new MediaReferenceException(StatusCodes.Status413PayloadTooLarge, "media_too_large", $"The data URI's content is too large: {exception.Status.Detail}.");
        }
    }

    private static void CheckKind(Asset asset, ExpectedMedia expected)
    {
        var actual = asset.Kind switch
        {
            AssetKind.Image => ExpectedMedia.Image,
            AssetKind.Video => ExpectedMedia.Video,
            AssetKind.Audio => ExpectedMedia.Audio,
            _ => (ExpectedMedia?)null,
        };
        if (expected != ExpectedMedia.Any && actual != expected)
        {
            var what = actual is { } kind ? Describe(kind) : "not media";
            throw KindMismatch($"Asset '{asset.Id}' is {what} ({asset.ContentType}), but this field expects {Describe(expected)}.");
        }
    }

    private static ExpectedMedia? KindOfMediaType(string mediaType) => mediaType.Split('/')[0] switch
    {
        "image" => ExpectedMedia.Image,
        "video" => ExpectedMedia.Video,
        "audio" => ExpectedMedia.Audio,
        _ => null,
    };

    private static string Describe(ExpectedMedia kind) => kind switch
    {
        ExpectedMedia.Image => "an image",
        ExpectedMedia.Video => "a video",
        ExpectedMedia.Audio => "audio",
        _ => "media",
    };

    /// <summary>The URL's last path segment names the asset (for downloads); the query never does, it may hold a signature.</summary>
    private static string NameOf(Uri url)
    {
        var segment = Uri.UnescapeDataString(url.Segments.Length > 0 ? url.Segments[^1].TrimEnd('/') : "");
        return segment.Length is 0 or > AssetInputs.MaxNameLength || segment.Any(char.IsControl) ? "" : segment;
    }

    private static MediaReferenceException Invalid(string message) => new(StatusCodes.Status422UnprocessableEntity, "invalid_media_reference", message);

    private static MediaReferenceException KindMismatch(string message) => new(StatusCodes.Status422UnprocessableEntity, "media_kind_mismatch", message);

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "...";

    [LoggerMessage(EventId = 5020, Level = LogLevel.Information, Message = "Media reference imported as asset {AssetId} from {Url}.")]
    private static partial void LogImported(ILogger logger, string assetId, string url);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Information, Message = "Media reference import from {Url} refused by the asset store with {Status}.")]
    private static partial void LogImportRefused(ILogger logger, string url, StatusCode status);
}
