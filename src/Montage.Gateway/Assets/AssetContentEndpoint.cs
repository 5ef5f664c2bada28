using Microsoft.Net.Http.Headers;
using Montage.Clients;
using Montage.Contracts.Assets.V1;
using Montage.Gateway.Auth;
using Montage.Grpc;

namespace Montage.Gateway.Assets;

/// <summary>
/// <c>GET|HEAD /v1/assets/{id}/content</c>: the bytes, streamed from AssetStore.Download, with one byte range (206,
/// 416), the sha256 as a strong ETag (<c>If-None-Match</c> 304, <c>If-Range</c>) and a Content-Disposition. Reached
/// either with an API key (the caller's own assets) or with a signed URL (<c>?exp=&amp;disp=&amp;sig=</c>, issued by
/// AssetStore.SignUrl for exactly this route) that the store verifies; the signature replaces the API key.
/// </summary>
internal static partial class AssetContentEndpoint
{
    public static async Task<IResult> HandleAsync(string id, HttpContext context, AssetStoreClient store, ILoggerFactory loggers)
    {
        if (!AssetIdFormat.IsWellFormed(id))
        {
            return AssetProblems.NotFound(id);
        }

        var access = await AuthorizeAsync(id, context, store).ConfigureAwait(false);
        if (access.Refusal is not null)
        {
            return access.Refusal;
        }

        Asset asset;
        try
        {
            asset = await store.StatAsync(new StatAssetRequest { AssetId = id, Owner = access.Owner }, context.RequestAborted).ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            return AssetProblems.FromRpc(exception, id, "invalid_request", StatusCodes.Status400BadRequest);
        }

        var etag = new EntityTagHeaderValue($"\"{asset.Sha256}\"");
        var request = context.Request;
        if (Matches(request.Headers.IfNoneMatch, etag))
        {
            return new NotModifiedResult(etag);
        }

        var range = RangeApplies(request, etag) ? ByteRange.Evaluate(request.Headers.Range, asset.SizeBytes) : ByteRange.Whole;
        if (range.Outcome == ByteRangeOutcome.Unsatisfiable)
        {
            context.Response.Headers.ContentRange = $"bytes */{asset.SizeBytes}";
            return AssetProblems.Problem(StatusCodes.Status416RangeNotSatisfiable, "range_not_satisfiable",
                $"The range '{AssetProblems.Shorten(request.Headers.Range.ToString())}' is outside the asset's {asset.SizeBytes} bytes.");
        }

        var logger = loggers.CreateLogger(typeof(AssetContentEndpoint).FullName!);
        var headOnly = HttpMethods.IsHead(request.Method);
        return new AssetContentResult(store, asset, access.Owner, etag, range, access.Disposition, access.Signed, headOnly, logger);
    }

    private static async Task<Access> AuthorizeAsync(string id, HttpContext context, AssetStoreClient store)
    {
        var request = context.Request;
        if (request.Query.ContainsKey("sig"))
        {
            // Verified as received: the store recomputes the MAC over the id in the path, expiry and disposition.
            var url = request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
            VerifySignedUrlResponse verdict;
            try
            {
                verdict = await store.VerifySignedUrlAsync(new VerifySignedUrlRequest { Url = url }, context.RequestAborted).ConfigureAwait(false);
            }
            catch (RpcException exception)
            {
                return new Access(AssetProblems.FromRpc(exception, id, "invalid_request", StatusCodes.Status400BadRequest), "", "", true);
            }

            if (!verdict.Valid || verdict.AssetId != id)
            {
                var expired = verdict.Reason == "expired";
                var refusal = AssetProblems.Problem(StatusCodes.Status403Forbidden, expired ? "signed_url_expired" : "signed_url_invalid",
                    expired ? "The signed URL has expired; ask for a new one." : "The signed URL is not valid.");
                return new Access(refusal, "", "", true);
            }

            // An empty owner reads any owner's asset: the signature, made for the asset's owner, is the authorisation.
            return new Access(null, "", verdict.Disposition, true);
        }

        if (context.User.Identity?.IsAuthenticated != true)
        {
            return new Access(Results.Challenge(), "", "", false);
        }

        var disposition = request.Query["disposition"].FirstOrDefault() ?? "inline";
        if (disposition is not ("inline" or "attachment"))
        {
            return new Access(AssetProblems.Invalid("disposition", "disposition must be inline or attachment."), "", "", false);
        }

        return new Access(null, context.User.GetOwner(), disposition, false);
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, EntityTagHeaderValue etag)
    {
        if (ifNoneMatch.Count == 0 || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
        {
            return false;
        }

        // If-None-Match compares weakly (RFC 9110 §13.1.2).
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false));
    }

    /// <summary>A Range is honoured unless an If-Range names another representation (or a date: the ETag is what we trust).</summary>
    private static bool RangeApplies(HttpRequest request, EntityTagHeaderValue etag)
    {
        var ifRange = request.Headers.IfRange;
        if (ifRange.Count == 0)
        {
            return true;
        }

        return EntityTagHeaderValue.TryParse(ifRange.ToString(), out var tag) && tag.Compare(etag, useStrongComparison: true);
    }

    private sealed record Access(IResult? Refusal, string Owner, string Disposition, bool Signed);

    private sealed class NotModifiedResult(EntityTagHeaderValue etag) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status304NotModified;
            httpContext.Response.Headers.ETag = etag.ToString();
            return Task.CompletedTask;
        }
    }
}
