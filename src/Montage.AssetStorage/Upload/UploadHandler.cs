using Montage.AssetStorage.Storage;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;

namespace Montage.AssetStorage.Upload;

/// <summary>Upload: metadata first, then chunks into a temp file; the asset exists only once everything arrived and checked out.</summary>
internal sealed class UploadHandler(AssetStorageOptions options, AssetIngest ingest)
{
    public async Task<Asset> HandleAsync(IAsyncStreamReader<UploadRequest> requests, CancellationToken cancellationToken)
    {
        if (!await requests.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw Errors.InvalidArgument("the upload is empty: the first message must carry metadata");
        }

        if (requests.Current.PartCase != UploadRequest.PartOneofCase.Metadata)
        {
            throw Errors.InvalidArgument("the first message of an upload must carry metadata");
        }

        var metadata = requests.Current.Metadata;
        var description = new AssetDescription(
            AssetValidation.RequireOwner(metadata.Owner),
            AssetValidation.CheckName(metadata.Name),
            metadata.ContentType,
            AssetValidation.SourceOf(metadata.Source, "upload"),
            AssetValidation.CheckTags(metadata.Tags));
        if (metadata.ExpectedSize < 0)
        {
            throw Errors.InvalidArgument("expected_size must not be negative");
        }

        if (metadata.ExpectedSize > options.MaxUploadBytes)
        {
            throw Errors.ResourceExhausted($"expected_size is larger than the limit of {options.MaxUploadBytes} bytes");
        }

        if (metadata.ExpectedSha256.Length > 0 && !BlobStore.IsSha256(metadata.ExpectedSha256.ToLowerInvariant()))
        {
            throw Errors.InvalidArgument("expected_sha256 must be 64 hex digits");
        }

        await using var writer = new BlobWriter(options.TempDirectory, options.MaxUploadBytes);
        while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var message = requests.Current;
            if (message.PartCase != UploadRequest.PartOneofCase.Chunk)
            {
                throw Errors.InvalidArgument("only the first message of an upload may carry metadata");
            }

            await writer.WriteAsync(message.Chunk.Memory, cancellationToken).ConfigureAwait(false);
        }

        return await ingest.CommitAsync(writer, description, metadata.ExpectedSha256, metadata.ExpectedSize, cancellationToken).ConfigureAwait(false);
    }
}
