using System.IO.Pipelines;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Montage.AssetStorage.Storage;
using Montage.Contracts.Assets.V1;
using Montage.Grpc;
using Montage.Grpc.Protocol;
using Montage.Grpc.Server;

namespace Montage.AssetStorage.Upload;

/// <summary>Upload: metadata first, then chunks into a temp file; the asset exists only once everything arrived and checked out.</summary>
internal sealed class UploadHandler(AssetStorageOptions options, IOptions<GrpcServiceOptions> grpcOptions, AssetIngest ingest)
{
    private readonly int _maxMessageSize = grpcOptions.Value.MaxReceiveMessageSize ?? int.MaxValue;

    public async Task<Asset> HandleAsync(IAsyncStreamReader<UploadRequest> requests, ServerCallContext context, CancellationToken cancellationToken)
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
        var request = context.GetHttpContext().Request;
        await ReceiveChunksAsync(request.BodyReader, request.Headers.GrpcEncoding, writer, cancellationToken).ConfigureAwait(false);
        return await ingest.CommitAsync(writer, description, metadata.ExpectedSha256, metadata.ExpectedSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the chunk messages after the metadata from the request body itself (the server's message reader keeps no
    /// state of its own, so the body continues right after the first message). A plain chunk is written and hashed
    /// from the received buffers and released only once written; any other message goes through the ordinary parser.
    /// </summary>
    private async Task ReceiveChunksAsync(PipeReader body, StringValues encoding, BlobWriter writer, CancellationToken cancellationToken)
    {
        var readOptions = new MessageReadOptions(_maxMessageSize, StringValues.IsNullOrEmpty(encoding) ? null : encoding.ToString());
        while (true)
        {
            var result = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            try
            {
                if (ChunkFrame.TryRead(buffer, _maxMessageSize, out var chunk, out var end))
                {
                    await writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                    consumed = end;
                    continue;
                }

                var rest = buffer;
                if (MessageFraming.TryReadMessage(ref rest, UploadRequest.Parser, readOptions, out var message))
                {
                    // Parsed into its own memory: the received bytes can go at once.
                    consumed = rest.Start;
                    if (message!.PartCase != UploadRequest.PartOneofCase.Chunk)
                    {
                        throw Errors.InvalidArgument("only the first message of an upload may carry metadata");
                    }

                    await writer.WriteAsync(message.Chunk.Memory, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        throw new RpcException(StatusCode.Internal, "The stream ended in the middle of a message.");
                    }

                    return;
                }

                if (result.IsCanceled)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
            }
            finally
            {
                // After a message, whatever follows it is not examined yet: the next read looks at it at once.
                if (consumed.Equals(buffer.Start))
                {
                    body.AdvanceTo(consumed, buffer.End);
                }
                else
                {
                    body.AdvanceTo(consumed);
                }
            }
        }
    }
}
