using Montage.AssetStorage.Catalog;
using Montage.AssetStorage.Derive;
using Montage.AssetStorage.Download;
using Montage.AssetStorage.Import;
using Montage.AssetStorage.ProviderUrls;
using Montage.AssetStorage.Signing;
using Montage.AssetStorage.Upload;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;
using Montage.Grpc.Server;
using Npgsql;

namespace Montage.AssetStorage;

/// <summary>
/// montage.assets.v1.AssetStore: thin gRPC methods, one handler per RPC. A database that cannot be reached is
/// UNAVAILABLE (the caller may retry); anything unexpected becomes INTERNAL without detail (the server does that).
/// </summary>
internal sealed partial class AssetStoreService(
    UploadHandler upload,
    DownloadHandler download,
    StatHandler stat,
    ListHandler list,
    DeleteHandler delete,
    ImportHandler import,
    ProviderUrlHandler providerUrl,
    DeriveHandler derive,
    UrlSigner signer,
    ILogger<AssetStoreService> logger) : IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => AssetsReflection.Descriptor.Services[0];

    public Task<Asset> Upload(IAsyncStreamReader<UploadRequest> requestStream, ServerCallContext context) =>
        Guard(() => upload.HandleAsync(requestStream, context, context.CancellationToken));

    public Task Download(DownloadRequest request, IServerStreamWriter<DownloadResponse> responseStream, ServerCallContext context) =>
        Guard(async () =>
        {
            await download.HandleAsync(request, responseStream, context.CancellationToken).ConfigureAwait(false);
            return true;
        });

    public Task<Asset> Stat(StatAssetRequest request, ServerCallContext context) =>
        Guard(() => stat.HandleAsync(request, context.CancellationToken));

    public Task<ListAssetsResponse> List(ListAssetsRequest request, ServerCallContext context) =>
        Guard(() => list.HandleAsync(request, context.CancellationToken));

    public Task<DeleteAssetResponse> Delete(DeleteAssetRequest request, ServerCallContext context) =>
        Guard(() => delete.HandleAsync(request, context.CancellationToken));

    public Task<Asset> ImportFromUrl(ImportFromUrlRequest request, ServerCallContext context) =>
        Guard(() => import.HandleAsync(request, context.CancellationToken));

    public Task<GetProviderUrlResponse> GetProviderUrl(GetProviderUrlRequest request, ServerCallContext context) =>
        Guard(() => providerUrl.HandleAsync(request, context.CancellationToken));

    public Task<Asset> Derive(DeriveRequest request, ServerCallContext context) =>
        Guard(() => derive.HandleAsync(request, context.CancellationToken));

    public Task<SignUrlResponse> SignUrl(SignUrlRequest request, ServerCallContext context) =>
        Guard(() => signer.SignAsync(request, context.CancellationToken));

    public Task<VerifySignedUrlResponse> VerifySignedUrl(VerifySignedUrlRequest request, ServerCallContext context)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(signer.Verify(request));
    }

    private async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (NpgsqlException exception) when (exception is not PostgresException || exception.IsTransient)
        {
            LogDatabaseUnavailable(logger, exception.GetType().Name);
            throw new RpcException(StatusCode.Unavailable, "the asset database is unavailable; retry later");
        }
        catch (IOException exception) when (exception.HResult == 28 || exception.Message.Contains("No space left", StringComparison.Ordinal))
        {
            LogDiskFull(logger);
            throw new RpcException(StatusCode.ResourceExhausted, "the asset store is out of disk space");
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Asset database unavailable ({Error}).")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string error);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "The blob store's disk is full.")]
    private static partial void LogDiskFull(ILogger logger);
}
