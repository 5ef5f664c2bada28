using Google.Protobuf;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;
using Montage.Grpc.Client;

namespace Montage.AssetStorage.Tests;

/// <summary>A typed client of montage.assets.v1.AssetStore over the real HTTP/2 gRPC client.</summary>
public sealed class AssetStoreClient(GrpcChannel channel)
{
    public const int ChunkBytes = 256 * 1024;
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = AssetsReflection.Descriptor.Services[0];
    private static readonly Method<UploadRequest, Asset> UploadMethod = M<UploadRequest, Asset>("Upload");
    private static readonly Method<DownloadRequest, DownloadResponse> DownloadMethod = M<DownloadRequest, DownloadResponse>("Download");
    private static readonly Method<StatAssetRequest, Asset> StatMethod = M<StatAssetRequest, Asset>("Stat");
    private static readonly Method<ListAssetsRequest, ListAssetsResponse> ListMethod = M<ListAssetsRequest, ListAssetsResponse>("List");
    private static readonly Method<DeleteAssetRequest, DeleteAssetResponse> DeleteMethod = M<DeleteAssetRequest, DeleteAssetResponse>("Delete");
    private static readonly Method<ImportFromUrlRequest, Asset> ImportMethod = M<ImportFromUrlRequest, Asset>("ImportFromUrl");
    private static readonly Method<GetProviderUrlRequest, GetProviderUrlResponse> ProviderUrlMethod = M<GetProviderUrlRequest, GetProviderUrlResponse>("GetProviderUrl");
    private static readonly Method<DeriveRequest, Asset> DeriveMethod = M<DeriveRequest, Asset>("Derive");
    private static readonly Method<SignUrlRequest, SignUrlResponse> SignMethod = M<SignUrlRequest, SignUrlResponse>("SignUrl");
    private static readonly Method<VerifySignedUrlRequest, VerifySignedUrlResponse> VerifyMethod = M<VerifySignedUrlRequest, VerifySignedUrlResponse>("VerifySignedUrl");

    private readonly CallInvoker _invoker = channel.CreateCallInvoker();

    /// <summary>Streams <paramref name="content"/> after the metadata, in chunks of <paramref name="chunkBytes"/>.</summary>
    public async Task<Asset> UploadAsync(UploadMetadata metadata, Stream content, int chunkBytes = ChunkBytes, CancellationToken cancellationToken = default)
    {
        using var call = _invoker.AsyncClientStreamingCall(UploadMethod, null, new CallOptions(cancellationToken: cancellationToken));
        await call.RequestStream.WriteAsync(new UploadRequest { Metadata = metadata }, cancellationToken);
        var buffer = new byte[chunkBytes];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await WriteChunkAsync(call.RequestStream, buffer.AsMemory(0, read), cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    public Task<Asset> UploadAsync(string owner, byte[] bytes, string name = "file", string contentType = "", IEnumerable<string>? tags = null) =>
        UploadAsync(Metadata(owner, name, contentType, tags), new MemoryStream(bytes));

    /// <summary>Sends raw messages, for protocol-misuse tests.</summary>
    public async Task<Asset> UploadRawAsync(params UploadRequest[] messages)
    {
        using var call = _invoker.AsyncClientStreamingCall(UploadMethod, null, new CallOptions());
        foreach (var message in messages)
        {
            await call.RequestStream.WriteAsync(message);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    public AsyncClientStreamingCall<UploadRequest, Asset> StartUpload(CancellationToken cancellationToken = default) =>
        _invoker.AsyncClientStreamingCall(UploadMethod, null, new CallOptions(cancellationToken: cancellationToken));

    public static UploadMetadata Metadata(string owner, string name = "file", string contentType = "", IEnumerable<string>? tags = null)
    {
        var metadata = new UploadMetadata { Owner = owner, Name = name, ContentType = contentType };
        metadata.Tags.AddRange(tags ?? []);
        return metadata;
    }

    /// <summary>Downloads into <paramref name="destination"/>, returning the asset from the first message.</summary>
    public async Task<Asset> DownloadAsync(DownloadRequest request, Stream destination, CancellationToken cancellationToken = default)
    {
        using var call = _invoker.AsyncServerStreamingCall(DownloadMethod, null, new CallOptions(cancellationToken: cancellationToken), request);
        Asset? asset = null;
        if (call.ResponseStream is IBytesFieldStreamReader<DownloadResponse> chunks)
        {
            // Chunks are written from the transport's buffer: no message, no copy of the bytes per chunk.
            BytesFieldRead read;
            while ((read = await chunks.ReadBytesFieldOrMessageAsync(DownloadResponse.ChunkFieldNumber, cancellationToken)) != BytesFieldRead.End)
            {
                var bytes = read == BytesFieldRead.Bytes ? chunks.CurrentBytes : Accept(chunks.Current, ref asset);
                await destination.WriteAsync(bytes, cancellationToken);
            }
        }
        else
        {
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                await destination.WriteAsync(Accept(call.ResponseStream.Current, ref asset), cancellationToken);
            }
        }

        return asset ?? throw new InvalidOperationException("The download had no asset message.");
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

    public async Task<byte[]> DownloadBytesAsync(string id, string owner = "", long offset = 0, long length = 0)
    {
        var buffer = new MemoryStream();
        await DownloadAsync(new DownloadRequest { AssetId = id, Owner = owner, Offset = offset, Length = length }, buffer);
        return buffer.ToArray();
    }

    public Task<Asset> StatAsync(string id, string owner = "") => Unary(StatMethod, new StatAssetRequest { AssetId = id, Owner = owner });

    public Task<ListAssetsResponse> ListAsync(ListAssetsRequest request) => Unary(ListMethod, request);

    public Task<DeleteAssetResponse> DeleteAsync(string id, string owner) => Unary(DeleteMethod, new DeleteAssetRequest { AssetId = id, Owner = owner });

    public Task<Asset> ImportAsync(ImportFromUrlRequest request) => Unary(ImportMethod, request);

    public Task<GetProviderUrlResponse> GetProviderUrlAsync(GetProviderUrlRequest request) => Unary(ProviderUrlMethod, request);

    public Task<Asset> DeriveAsync(DeriveRequest request) => Unary(DeriveMethod, request);

    public Task<SignUrlResponse> SignUrlAsync(SignUrlRequest request) => Unary(SignMethod, request);

    public Task<VerifySignedUrlResponse> VerifyAsync(string url) => Unary(VerifyMethod, new VerifySignedUrlRequest { Url = url });

    private async Task<TResponse> Unary<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        using var call = _invoker.AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(3)), request);
        return await call.ResponseAsync;
    }

    private static Method<TRequest, TResponse> M<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        Method<TRequest, TResponse>.FromDescriptor(Service.FindMethodByName(name));
}
