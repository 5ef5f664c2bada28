using Montage.Gateway.Errors;
using Montage.Grpc;

namespace Montage.Gateway.Assets;

/// <summary>
/// The asset endpoints' problem details (RFC 9457 with a stable <c>code</c>), and the one mapping of AssetStore
/// statuses to HTTP: the store's detail messages name the field or limit at fault and carry no secrets.
/// </summary>
internal static class AssetProblems
{
    /// <summary>The gateway's problem shape; the title is the status's, the detail says what exactly went wrong.</summary>
    public static IResult Problem(int status, string code, string detail, IDictionary<string, string[]>? errors = null) =>
        Problems.Result(status, code, Problems.ForStatus(status).Title, detail, errors);

    public static IResult NotFound(string id) => Problem(StatusCodes.Status404NotFound, "asset_not_found", $"Asset '{Shorten(id)}' was not found.");

    public static IResult Invalid(string field, string message) =>
        Problem(StatusCodes.Status400BadRequest, "invalid_request", message, new Dictionary<string, string[]> { [field] = [message] });

    public static IResult TooLarge(long limit) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"The content is larger than the limit of {limit} bytes.");

    /// <summary>
    /// A failed AssetStore call as a problem. <paramref name="invalidCode"/> names what an INVALID_ARGUMENT means for
    /// this endpoint (bad content on upload, a bad cursor on list, ...).
    /// </summary>
    public static IResult FromRpc(RpcException exception, string? assetId, string invalidCode, int invalidStatus = StatusCodes.Status422UnprocessableEntity)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var detail = exception.Status.Detail;
        return exception.StatusCode switch
        {
            StatusCode.NotFound => assetId is null
                ? Problem(StatusCodes.Status404NotFound, "asset_not_found", "The asset was not found.")
                : NotFound(assetId),
            StatusCode.InvalidArgument => Problem(invalidStatus, invalidCode, Sentence(detail)),
            StatusCode.ResourceExhausted => Problem(StatusCodes.Status413PayloadTooLarge, "payload_too_large", Sentence(detail)),
            StatusCode.DataLoss when assetId is null => Problem(StatusCodes.Status422UnprocessableEntity, "checksum_mismatch", Sentence(detail)),
            StatusCode.OutOfRange => Problem(StatusCodes.Status416RangeNotSatisfiable, "range_not_satisfiable", Sentence(detail)),
            StatusCode.FailedPrecondition => Problem(StatusCodes.Status409Conflict, "asset_conflict", Sentence(detail)),
            StatusCode.Unavailable => Problem(StatusCodes.Status503ServiceUnavailable, "asset_store_unavailable", "The asset store is unavailable; try again shortly."),
            StatusCode.DeadlineExceeded => Problem(StatusCodes.Status504GatewayTimeout, "asset_store_timeout", "The asset store did not answer in time."),
            _ => Problem(StatusCodes.Status502BadGateway, "asset_store_error", "The asset store failed to handle the request."),
        };
    }

    public static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "...";

    private static string Sentence(string detail) =>
        detail.Length == 0 ? "The request was refused." : char.ToUpperInvariant(detail[0]) + detail[1..] + (detail.EndsWith('.') ? "" : ".");
}
