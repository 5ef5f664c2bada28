using Google.Protobuf;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;
using Montage.Grpc.Client;

namespace Montage.Clients;

/// <summary>Typed client of <c>montage.assets.v1.AssetStore</c>, with streaming upload and download helpers.</summary>
public sealed class AssetStoreClient(CallInvoker invoker) : TypedClient(invoker)
{
    /// <summary>Bytes per upload chunk: large enough to keep per-message overhead small, well under the 4 MB limit.</summary>
    public const int UploadChunkBytes = 256 * 1024;

    /// <summary>The service's descriptor.</summary>
    public static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = AssetsReflection.Descriptor.Services[0];

    private static readonly Method<UploadRequest, Asset> UploadMethod = MethodOf<UploadRequest, Asset>(Service, "Upload");
    private static readonly Method<DownloadRequest, DownloadResponse> DownloadMethod = MethodOf<DownloadRequest, DownloadResponse>(Service, "Download");
    private static readonly Method<StatAssetRequest, Asset> StatMethod = MethodOf<StatAssetRequest, Asset>(Service, "Stat");
    private static readonly Method<ListAssetsRequest, ListAssetsResponse> ListMethod = MethodOf<ListAssetsRequest, ListAssetsResponse>(Service, "List");
    private static readonly Method<DeleteAssetRequest, DeleteAssetResponse> DeleteMethod = MethodOf<DeleteAssetRequest, DeleteAssetResponse>(Service, "Delete");
    private static readonly Method<ImportFromUrlRequest, Asset> ImportMethod = MethodOf<ImportFromUrlRequest, Asset>(Service, "ImportFromUrl");
    private static readonly Method<GetProviderUrlRequest, GetProviderUrlResponse> ProviderUrlMethod = MethodOf<GetProviderUrlRequest, GetProviderUrlResponse>(Service, "GetProviderUrl");
    private static readonly Method<DeriveRequest, Asset> DeriveMethod = MethodOf<DeriveRequest, Asset>(Service, "Derive");
    private static readonly Method<SignUrlRequest, SignUrlResponse> SignMethod = MethodOf<SignUrlRequest, SignUrlResponse>(Service, "SignUrl");
    private static readonly Method<VerifySignedUrlRequest, VerifySignedUrlResponse> VerifyMethod = MethodOf<VerifySignedUrlRequest, VerifySignedUrlResponse>(Service, "VerifySignedUrl");

    /// <summary>
    /// Streams <paramref name="content"/> after <paramref name="metadata"/>, never holding more than one chunk.
    /// No deadline beyond <paramref name="cancellationToken"/>: an upload lasts as long as its content.
    /// </summary>
    public async Task<Asset> UploadAsync(UploadMetadata metadata, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(content);
        using var call = Invoker.AsyncClientStreamingCall(UploadMethod, null, new CallOptions(cancellationToken: cancellationToken));
        await call.RequestStream.WriteAsync(new UploadRequest { Metadata = metadata }, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[UploadChunkBytes];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await WriteChunkAsync(call.RequestStream, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a download: the first message is the asset, then chunks. For callers that relay the stream
    /// (e.g. an HTTP response) and need the asset's facts before the first byte.
    /// </summary>
    public AsyncServerStreamingCall<DownloadResponse> StartDownload(DownloadRequest request, CancellationToken cancellationToken = default) =>
        Invoker.AsyncServerStreamingCall(DownloadMethod, null, new CallOptions(cancellationToken: cancellationToken), request);

    /// <summary>Copies the asset's bytes (or the requested range) into <paramref name="destination"/>; returns the asset.</summary>
    public async Task<Asset> DownloadAsync(DownloadRequest request, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var call = StartDownload(request, cancellationToken);
        Asset? asset = null;
        if (call.ResponseStream is IBytesFieldStreamReader<DownloadResponse> chunks)
        {
            // Chunks are written from the transport's buffer: no message, no copy of the bytes per chunk.
            BytesFieldRead read;
            while ((read = await chunks.ReadBytesFieldOrMessageAsync(DownloadResponse.ChunkFieldNumber, cancellationToken).ConfigureAwait(false)) != BytesFieldRead.End)
            {
                var bytes = read == BytesFieldRead.Bytes ? chunks.CurrentBytes : Accept(chunks.Current, ref asset);
                await destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                await destination.WriteAsync(Accept(call.ResponseStream.Current, ref asset), cancellationToken).ConfigureAwait(false);
            }
        }

        return asset ?? throw new RpcException(StatusCode.Internal, "The download carried no asset message.");
    }

    /// <summary>
    /// Sends one chunk. Through this transport's request stream the bytes go out as they are (no message, no copy);
    /// otherwise as a message that wraps them, which is serialised before <c>WriteAsync</c> returns, so the caller may
    /// refill the buffer as soon as the write completes in both cases.
    /// </summary>
    private static Task WriteChunkAsync(IClientStreamWriter<UploadRequest> requests, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
        requests is IBytesFieldStreamWriter<UploadRequest> writer
            ? writer.WriteBytesFieldAsync(UploadRequest.ChunkFieldNumber, chunk, cancellationToken)
            : requests.WriteAsync(new UploadRequest { Chunk = UnsafeByteOperations.UnsafeWrap(chunk) }, cancellationToken);

    /// <summary>A parsed download message: keeps the asset, returns the chunk's bytes (none for the asset).</summary>
    private static ReadOnlyMemory<byte> Accept(DownloadResponse message, ref Asset? asset)
    {
        if (message.PartCase == DownloadResponse.PartOneofCase.Asset)
        {
            asset = message.Asset;
            return ReadOnlyMemory<byte>.Empty;
        }

        return message.Chunk.Memory;
    }

    /// <summary>The asset's facts.</summary>
    public Task<Asset> StatAsync(StatAssetRequest request, CancellationToken cancellationToken = default) => UnaryAsync(StatMethod, request, Options(cancellationToken));

    /// <summary>A page of an owner's assets.</summary>
    public Task<ListAssetsResponse> ListAsync(ListAssetsRequest request, CancellationToken cancellationToken = default) => UnaryAsync(ListMethod, request, Options(cancellationToken));

    /// <summary>Deletes an asset (idempotent).</summary>
    public Task<DeleteAssetResponse> DeleteAsync(DeleteAssetRequest request, CancellationToken cancellationToken = default) => UnaryAsync(DeleteMethod, request, Options(cancellationToken));

    /// <summary>Imports a remote file (SSRF-guarded); long files take long, so give a generous token or deadline.</summary>
    public Task<Asset> ImportFromUrlAsync(ImportFromUrlRequest request, CallOptions options) => UnaryAsync(ImportMethod, request, options);

    /// <summary>Imports a remote file with the default deadline.</summary>
    public Task<Asset> ImportFromUrlAsync(ImportFromUrlRequest request, CancellationToken cancellationToken = default) => UnaryAsync(ImportMethod, request, Options(cancellationToken));

    /// <summary>A URL (or local path) the given provider can read the asset from, uploading it there when needed.</summary>
    public Task<GetProviderUrlResponse> GetProviderUrlAsync(GetProviderUrlRequest request, CallOptions options) => UnaryAsync(ProviderUrlMethod, request, options);

    /// <summary>A provider-readable URL with the default deadline.</summary>
    public Task<GetProviderUrlResponse> GetProviderUrlAsync(GetProviderUrlRequest request, CancellationToken cancellationToken = default) => UnaryAsync(ProviderUrlMethod, request, Options(cancellationToken));

    /// <summary>A derived asset (thumbnail, poster, preview), cached.</summary>
    public Task<Asset> DeriveAsync(DeriveRequest request, CancellationToken cancellationToken = default) => UnaryAsync(DeriveMethod, request, Options(cancellationToken));

    /// <summary>An HMAC-signed URL for the asset's content.</summary>
    public Task<SignUrlResponse> SignUrlAsync(SignUrlRequest request, CancellationToken cancellationToken = default) => UnaryAsync(SignMethod, request, Options(cancellationToken));

    /// <summary>Checks a signed URL.</summary>
    public Task<VerifySignedUrlResponse> VerifySignedUrlAsync(VerifySignedUrlRequest request, CancellationToken cancellationToken = default) => UnaryAsync(VerifyMethod, request, Options(cancellationToken));
}
