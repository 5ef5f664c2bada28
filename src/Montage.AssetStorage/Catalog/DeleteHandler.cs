using Montage.AssetStorage.Storage;
using Montage.Contracts.Assets.V1;
using Npgsql;

namespace Montage.AssetStorage.Catalog;

/// <summary>
/// Delete: removes the asset row and its reference to the blob in one transaction; the bytes go when the collector
/// finds the blob unreferenced past the grace period (so an in-flight download of them still completes).
/// </summary>
internal sealed partial class DeleteHandler(NpgsqlDataSource dataSource, ILogger<DeleteHandler> logger)
{
    public async Task<DeleteAssetResponse> HandleAsync(DeleteAssetRequest request, CancellationToken cancellationToken)
    {
        var id = Errors.RequireAssetId(request.AssetId);
        var owner = AssetValidation.RequireOwner(request.Owner);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Derivatives are a cache of the asset: they go with it.
        var released = new List<string>();
        var deleted = false;
        await using (var delete = new NpgsqlCommand(
            "DELETE FROM assets WHERE owner = @owner AND (id = @id OR derived_from = @id) RETURNING id, sha256", connection, transaction))
        {
            delete.Parameters.AddWithValue("id", id);
            delete.Parameters.AddWithValue("owner", owner);
            await using var reader = await delete.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                deleted |= reader.GetString(0) == id;
                released.Add(reader.GetString(1));
            }
        }

        if (!deleted)
        {
            return new DeleteAssetResponse { Deleted = false };
        }

        foreach (var sha256 in released)
        {
            await using var release = new NpgsqlCommand(
                """
                UPDATE blobs SET ref_count = ref_count - 1,
                                 unreferenced_since = CASE WHEN ref_count = 1 THEN now() ELSE unreferenced_since END
                WHERE sha256 = @sha
                """, connection, transaction);
            release.Parameters.AddWithValue("sha", sha256);
            await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogDeleted(logger, id);
        return new DeleteAssetResponse { Deleted = true };
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Deleted asset {AssetId}.")]
    private static partial void LogDeleted(ILogger logger, string assetId);
}
