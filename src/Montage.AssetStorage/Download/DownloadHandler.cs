using System.Buffers;
using Google.Protobuf;
using Montage.AssetStorage.Persistence;
using Montage.AssetStorage.Storage;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;

namespace Montage.AssetStorage.Download;

/// <summary>Download: the asset first, then its bytes (or a byte range) in fixed-size chunks read straight from the blob.</summary>
internal sealed class DownloadHandler(AssetStorageOptions options, AssetQueries queries, BlobStore blobs)
{
    public async Task HandleAsync(DownloadRequest request, IServerStreamWriter<DownloadResponse> responses, CancellationToken cancellationToken)
    {
        var id = Errors.RequireAssetId(request.AssetId);
        if (request.Offset < 0 || request.Length < 0)
        {
            throw Errors.InvalidArgument("offset and length must not be negative");
        }

        var asset = await queries.GetAsync(id, request.Owner, cancellationToken).ConfigureAwait(false);
        if (request.Offset > asset.SizeBytes)
        {
            throw new RpcException(StatusCode.OutOfRange, $"offset {request.Offset} is beyond the asset's {asset.SizeBytes} bytes");
        }

        var remaining = request.Length == 0 ? asset.SizeBytes - request.Offset : Math.Min(request.Length, asset.SizeBytes - request.Offset);
        FileStream file;
        try
        {
            file = blobs.OpenRead(asset.Sha256);
        }
        catch (FileNotFoundException)
        {
            throw Errors.DataLoss($"the bytes of asset {id} are missing from the store");
        }

        await using (file.ConfigureAwait(false))
        {
            file.Position = request.Offset;
            await responses.WriteAsync(new DownloadResponse { Asset = asset }, cancellationToken).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(options.DownloadChunkBytes);
            try
            {
                while (remaining > 0)
                {
                    var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(options.DownloadChunkBytes, remaining)), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw Errors.DataLoss($"the bytes of asset {id} are shorter than recorded");
                    }

                    // The message is serialised before WriteAsync completes, so the pooled buffer can be wrapped without a copy.
                    await responses.WriteAsync(new DownloadResponse { Chunk = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, read)) }, cancellationToken).ConfigureAwait(false);
                    remaining -= read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
