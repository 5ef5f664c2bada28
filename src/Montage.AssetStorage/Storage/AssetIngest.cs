using Montage.AssetStorage.Media;
using Montage.AssetStorage.Persistence;
using Montage.Contracts.Assets.V1;

namespace Montage.AssetStorage.Storage;

/// <summary>What the caller says about content being stored; type, kind and media facts come from the bytes.</summary>
internal sealed record AssetDescription(
    string Owner,
    string Name,
    string? DeclaredContentType,
    AssetSource Source,
    IReadOnlyList<string> Tags,
    string? DerivedFrom = null,
    string? DeriveKey = null);

/// <summary>
/// The one way content enters the store (uploads, imports, derivatives): finish the temp file, refuse empty or
/// invalid content, inspect it, then publish blob and asset row together.
/// </summary>
internal sealed partial class AssetIngest(BlobStore blobs, MediaInspector inspector, ILogger<AssetIngest> logger)
{
    public async Task<Asset> CommitAsync(BlobWriter writer, AssetDescription description, string? expectedSha256, long expectedSize, CancellationToken cancellationToken)
    {
        if (writer.Length == 0)
        {
            throw Errors.InvalidArgument("the content is empty");
        }

        var blob = await writer.CompleteAsync().ConfigureAwait(false);
        if (expectedSize > 0 && expectedSize != blob.Size)
        {
            throw Errors.DataLoss($"expected {expectedSize} bytes but received {blob.Size}");
        }

        if (!string.IsNullOrEmpty(expectedSha256) && !string.Equals(expectedSha256, blob.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw Errors.DataLoss("the content's sha256 does not match expected_sha256");
        }

        var inspected = await inspector.InspectAsync(blob.TempPath, blob.Header, description.DeclaredContentType, cancellationToken).ConfigureAwait(false);
        var row = new NewAsset(description.Owner, description.Name, inspected.ContentType, inspected.Kind, inspected.Media,
            description.Source, description.Tags, description.DerivedFrom, description.DeriveKey);
        var asset = await blobs.CommitAsync(blob,
            (connection, transaction) => AssetRows.InsertOrGetAsync(connection, transaction, blob.Sha256, blob.Size, row, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        writer.Keep();
        LogStored(logger, asset.Id, asset.ContentType, asset.SizeBytes, description.Source.Type);
        return asset;
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Stored asset {AssetId} ({ContentType}, {Size} bytes, from {SourceType}).")]
    private static partial void LogStored(ILogger logger, string assetId, string contentType, long size, string sourceType);
}
