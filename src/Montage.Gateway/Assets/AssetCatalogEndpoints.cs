using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Gateway.Auth;
using Montage.Grpc;

namespace Montage.Gateway.Assets;

/// <summary>
/// Metadata endpoints: one asset, a filtered page of them, delete, and signed links. Everything is scoped to the
/// caller's owner; the store answers another owner's asset exactly as a missing one, so ids cannot be probed.
/// </summary>
internal static class AssetCatalogEndpoints
{
    private const int MaxPageSize = 500;

    /// <summary><c>GET /v1/assets/{id}</c>.</summary>
    public static async Task<IResult> GetAsync(string id, HttpContext context, AssetStoreClient store)
    {
        if (!AssetIdFormat.IsWellFormed(id))
        {
            return AssetProblems.NotFound(id);
        }

        try
        {
            var asset = await store.StatAsync(new StatAssetRequest { AssetId = id, Owner = context.User.GetOwner() }, context.RequestAborted).ConfigureAwait(false);
            return Results.Ok(AssetResource.From(asset));
        }
        catch (RpcException exception)
        {
            return AssetProblems.FromRpc(exception, id, "invalid_request", StatusCodes.Status400BadRequest);
        }
    }

    /// <summary><c>GET /v1/assets?kind=&amp;tag=&amp;limit=&amp;cursor=</c>, newest first.</summary>
    public static async Task<IResult> ListAsync(HttpContext context, AssetStoreClient store)
    {
        var query = context.Request.Query;
        var errors = new Dictionary<string, string[]>();
        var request = new ListAssetsRequest { Owner = context.User.GetOwner(), PageToken = query["cursor"].FirstOrDefault() ?? "" };
        switch (query["kind"].FirstOrDefault())
        {
            case null or "":
                break;
            case "image":
                request.Kind = AssetKind.Image;
                break;
            case "video":
                request.Kind = AssetKind.Video;
                break;
            case "audio":
                request.Kind = AssetKind.Audio;
                break;
            case "other":
                request.Kind = AssetKind.Other;
                break;
            default:
                errors["kind"] = ["kind must be one of image, video, audio, other."];
                break;
        }

        if (query["limit"].FirstOrDefault() is { } limitText)
        {
            if (int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxPageSize)
            {
                request.PageSize = limit;
            }
            else
            {
                errors["limit"] = [$"limit must be a whole number from 1 to {MaxPageSize}."];
            }
        }

        var tags = AssetInputs.TagsFromQuery(query);
        AssetInputs.CheckTags(tags, errors);
        if (errors.Count > 0)
        {
            return AssetProblems.Problem(StatusCodes.Status400BadRequest, "invalid_query", "The query has invalid parameters.", errors);
        }

        request.Tags.AddRange(tags);
        try
        {
            var page = await store.ListAsync(request, context.RequestAborted).ConfigureAwait(false);
            var next = page.NextPageToken.Length == 0 ? null : page.NextPageToken;
            return Results.Ok(new AssetPage([.. page.Assets.Select(AssetResource.From)], next));
        }
        catch (RpcException exception)
        {
            // The only argument the store can still refuse is the opaque cursor.
            return AssetProblems.FromRpc(exception, null, "invalid_cursor", StatusCodes.Status400BadRequest);
        }
    }

    /// <summary><c>DELETE /v1/assets/{id}</c>: 204, or 404 when the owner has no such asset (any more).</summary>
    public static async Task<IResult> DeleteAsync(string id, HttpContext context, AssetStoreClient store)
    {
        if (!AssetIdFormat.IsWellFormed(id))
        {
            return AssetProblems.NotFound(id);
        }

        try
        {
            var response = await store.DeleteAsync(new DeleteAssetRequest { AssetId = id, Owner = context.User.GetOwner() }, context.RequestAborted).ConfigureAwait(false);
            return response.Deleted ? Results.NoContent() : AssetProblems.NotFound(id);
        }
        catch (RpcException exception)
        {
            return AssetProblems.FromRpc(exception, id, "invalid_request", StatusCodes.Status400BadRequest);
        }
    }

    /// <summary><c>POST /v1/assets/{id}/signed-url</c>: a link to the content that needs no API key until it expires.</summary>
    public static async Task<IResult> SignAsync(string id, SignedUrlRequest? body, HttpContext context, AssetStoreClient store, IOptions<GatewayAssetsOptions> options)
    {
        if (!AssetIdFormat.IsWellFormed(id))
        {
            return AssetProblems.NotFound(id);
        }

        var errors = new Dictionary<string, string[]>();
        var ttl = options.Value.DefaultSignedUrlTtl;
        if (body?.TtlSeconds is { } seconds)
        {
            if (seconds is < 10 or > 7 * 24 * 3600)
            {
                errors["ttl_seconds"] = ["ttl_seconds must be from 10 to 604800 (7 days)."];
            }
            else
            {
                ttl = TimeSpan.FromSeconds(seconds);
            }
        }

        var disposition = body?.Disposition ?? "inline";
        if (disposition is not ("inline" or "attachment"))
        {
            errors["disposition"] = ["disposition must be inline or attachment."];
        }

        if (errors.Count > 0)
        {
            return AssetProblems.Problem(StatusCodes.Status400BadRequest, "invalid_request", "The request has invalid fields.", errors);
        }

        try
        {
            var request = new SignUrlRequest { AssetId = id, Owner = context.User.GetOwner(), Ttl = Duration.FromTimeSpan(ttl), Disposition = disposition };
            var signed = await store.SignUrlAsync(request, context.RequestAborted).ConfigureAwait(false);
            return Results.Ok(new SignedUrlResource(signed.Url, signed.ExpiresAt.ToDateTimeOffset()));
        }
        catch (RpcException exception)
        {
            return AssetProblems.FromRpc(exception, id, "invalid_request", StatusCodes.Status400BadRequest);
        }
    }
}
