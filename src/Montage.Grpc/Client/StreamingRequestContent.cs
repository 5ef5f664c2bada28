using System.Net;

namespace Montage.Grpc.Client;

/// <summary>
/// The body of a client- or duplex-streaming call. The handler calls <see cref="SerializeToStreamAsync(Stream, TransportContext?, CancellationToken)"/>
/// once the request headers are sent; it hands the request stream to the writer and returns only when the writer
/// completes, which ends the HTTP/2 stream (END_STREAM) while responses keep flowing.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamingRequestContent() => Headers.TryAddWithoutValidation("Content-Type", Protocol.GrpcProtocol.ContentType);

    /// <summary>The request stream, once the handler has sent the headers.</summary>
    public Task<Stream> Stream => _stream.Task;

    /// <summary>Half-closes the call: no more requests.</summary>
    public void Complete() => _completed.TrySetResult();

    /// <summary>The call is over: stop waiting for the handler or the writer.</summary>
    public void Abort()
    {
        _stream.TrySetCanceled();
        _completed.TrySetCanceled();
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // The handler holds the headers back until the body's first write; flushing sends them now, so a server
        // that answers before reading requests (or a call that writes nothing yet) sees the call start.
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.TrySetResult(stream);
        using (cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetCanceled(), _completed))
        {
            await _completed.Task.ConfigureAwait(false);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
