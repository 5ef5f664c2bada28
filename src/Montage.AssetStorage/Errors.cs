using Montage.Grpc;

namespace Montage.AssetStorage;

/// <summary>The precise statuses the store answers with; messages name the field or asset at fault.</summary>
internal static class Errors
{
    public static RpcException InvalidArgument(string message) => new(StatusCode.InvalidArgument, message);

    public static RpcException NotFound(string message) => new(StatusCode.NotFound, message);

    public static RpcException FailedPrecondition(string message) => new(StatusCode.FailedPrecondition, message);

    public static RpcException ResourceExhausted(string message) => new(StatusCode.ResourceExhausted, message);

    public static RpcException DataLoss(string message) => new(StatusCode.DataLoss, message);

    public static RpcException Unavailable(string message) => new(StatusCode.Unavailable, message);

    public static RpcException AssetNotFound(string id) => NotFound($"asset {Truncate(id)} not found");

    /// <summary>Asset ids are "ast_" and 32 hex digits; anything else cannot name an asset.</summary>
    public static string RequireAssetId(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw InvalidArgument("asset_id is required");
        }

        if (!AssetIds.IsWellFormed(value))
        {
            throw InvalidArgument($"asset_id '{Truncate(value)}' is not an asset id");
        }

        return value;
    }

    public static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "...";
}
