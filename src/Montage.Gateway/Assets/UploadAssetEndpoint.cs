using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Gateway.Auth;
using Montage.Grpc;

namespace Montage.Gateway.Assets;

/// <summary>
/// <c>POST /v1/assets</c>: a raw body (name from <c>?name=</c> or <c>X-Filename</c>) or a multipart form, relayed to
/// AssetStore.Upload chunk by chunk as it arrives. Nothing is buffered whole, so memory stays flat for any size; the
/// size limit is counted on the bytes themselves, and a broken or refused upload leaves nothing stored.
/// </summary>
internal static partial class UploadAssetEndpoint
{
    /// <summary>Room for the multipart boundaries and the small text fields around the file.</summary>
    private const long MultipartOverheadBytes = 512 * 1024;

    public static async Task<IResult> HandleAsync(HttpContext context, AssetStoreClient store, IOptions<GatewayAssetsOptions> options, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(UploadAssetEndpoint).FullName!);
        var limit = options.Value.MaxUploadBytes;
        var request = context.Request;
        var isMultipart = MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        var bodyLimit = isMultipart ? limit + MultipartOverheadBytes : limit;
        if (request.ContentLength > bodyLimit)
        {
            return AssetProblems.TooLarge(limit);
        }

        // The server-wide body limit is meant for JSON requests; this endpoint counts the bytes itself, so a 413
        // comes back as problem details and at the configured limit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var owner = context.User.GetOwner();
        var body = new LimitedReadStream(request.Body, bodyLimit);
        try
        {
            return isMultipart
                ? await UploadFormAsync(context, store, owner, mediaType!, body, limit).ConfigureAwait(false)
                : await UploadRawAsync(context, store, owner, body).ConfigureAwait(false);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-upload; the store discarded the partial upload with the cancelled call.
            LogAborted(logger, owner);
            return Results.Empty;
        }
        catch (ContentTooLargeException)
        {
            LogRefused(logger, owner, "larger than the limit");
            return AssetProblems.TooLarge(limit);
        }
        catch (UploadShapeException exception)
        {
            return AssetProblems.Invalid(exception.Field, exception.Message);
        }
        catch (InvalidDataException exception)
        {
            // MultipartReader: a header section too long, too many headers, a missing boundary.
            return AssetProblems.Problem(StatusCodes.Status400BadRequest, "malformed_multipart", $"The multipart body is malformed: {exception.Message}");
        }
        catch (Exception exception) when (exception is IOException or BadHttpRequestException)
        {
            // A body that ended early (shorter than Content-Length, multipart without its closing boundary).
            return AssetProblems.Problem(StatusCodes.Status400BadRequest, "incomplete_body", "The request body ended before the content was complete.");
        }
        catch (RpcException exception)
        {
            LogStoreRefused(logger, owner, exception.StatusCode);
            return AssetProblems.FromRpc(exception, null, "invalid_content");
        }
    }

    private static async Task<IResult> UploadRawAsync(HttpContext context, AssetStoreClient store, string owner, Stream body)
    {
        var request = context.Request;
        var errors = new Dictionary<string, string[]>();
        var name = request.Query["name"].FirstOrDefault() ?? request.Headers["X-Filename"].FirstOrDefault();
        var tags = AssetInputs.TagsFromQuery(request.Query);
        AssetInputs.CheckName(name, errors);
        AssetInputs.CheckTags(tags, errors);
        var sha256 = AssetInputs.ExpectedSha256(request.Headers["X-Content-SHA256"], errors);
        if (request.ContentLength == 0)
        {
            errors["body"] = ["The request body is empty."];
        }

        if (errors.Count > 0)
        {
            return AssetProblems.Problem(StatusCodes.Status400BadRequest, "invalid_request", "The upload has invalid parameters.", errors);
        }

        var metadata = Metadata(owner, name, AssetInputs.DeclaredContentType(request.ContentType), tags, sha256);
        var asset = await store.UploadAsync(metadata, body, context.RequestAborted).ConfigureAwait(false);
        return Created(asset);
    }

    private static async Task<IResult> UploadFormAsync(HttpContext context, AssetStoreClient store, string owner, MediaTypeHeaderValue mediaType, Stream body, long limit)
    {
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70)
        {
            return AssetProblems.Invalid("Content-Type", "multipart/form-data needs a boundary parameter of at most 70 characters.");
        }

        var reader = new MultipartReader(boundary, body);
        var file = await MultipartUpload.ReadUntilFileAsync(reader, context.RequestAborted).ConfigureAwait(false);
        var errors = new Dictionary<string, string[]>();
        var tags = AssetInputs.TagsFromQuery(context.Request.Query).Concat(file.Tags).ToList();
        AssetInputs.CheckName(file.Name, errors);
        AssetInputs.CheckTags(tags, errors);
        var sha256 = AssetInputs.ExpectedSha256(context.Request.Headers["X-Content-SHA256"], errors);
        if (errors.Count > 0)
        {
            return AssetProblems.Problem(StatusCodes.Status400BadRequest, "invalid_request", "The upload has invalid parameters.", errors);
        }

        var metadata = Metadata(owner, file.Name, AssetInputs.DeclaredContentType(file.ContentType), tags, sha256);
        var content = new LimitedReadStream(file.Content, limit);
        var asset = await store.UploadAsync(metadata, content, context.RequestAborted).ConfigureAwait(false);
        return Created(asset);
    }

    private static UploadMetadata Metadata(string owner, string? name, string contentType, IEnumerable<string> tags, string? sha256)
    {
        var metadata = new UploadMetadata { Owner = owner, Name = name ?? "", ContentType = contentType, ExpectedSha256 = sha256 ?? "" };
        metadata.Tags.AddRange(tags.Distinct(StringComparer.Ordinal));
        return metadata;
    }

    private static IResult Created(Asset asset) => Results.Created($"/v1/assets/{asset.Id}", AssetResource.From(asset));

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Upload for owner {Owner} refused: {Reason}.")]
    private static partial void LogRefused(ILogger logger, string owner, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Upload for owner {Owner} aborted by the client; nothing was stored.")]
    private static partial void LogAborted(ILogger logger, string owner);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Upload for owner {Owner} refused by the asset store with {Status}.")]
    private static partial void LogStoreRefused(ILogger logger, string owner, StatusCode status);
}
