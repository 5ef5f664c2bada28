using System.Net;

namespace Montage.Grpc.Client;

/// <summary>The body of a unary or server-streaming call: one framed message, serialized before the call starts.</summary>
internal sealed class UnaryRequestContent : HttpContent
{
    private readonly byte[] _frame;

    public UnaryRequestContent(byte[] frame)
    {
        _frame = frame;
        Headers.TryAddWithoutValidation("Content-Type", Protocol.GrpcProtocol.ContentType);
    }

    // The handler may send the request again on a fresh connection (e.g. after GOAWAY), so the frame stays intact.
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_frame, cancellationToken).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        // No content-length: gRPC bodies are framed by their messages and ended by END_STREAM.
        length = -1;
        return false;
    }
}
