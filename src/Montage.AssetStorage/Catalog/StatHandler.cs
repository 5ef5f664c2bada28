using Montage.AssetStorage.Persistence;
using Montage.Contracts.Assets.V1;

namespace Montage.AssetStorage.Catalog;

/// <summary>Stat: one asset's metadata.</summary>
internal sealed class StatHandler(AssetQueries queries)
{
    public Task<Asset> HandleAsync(StatAssetRequest request, CancellationToken cancellationToken) =>
        queries.GetAsync(Errors.RequireAssetId(request.AssetId), request.Owner, cancellationToken);
}
