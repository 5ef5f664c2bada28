using System.Buffers;
using Google.Protobuf;
using Montage.Grpc.Protocol;

namespace Montage.Grpc.Client;

/// <summary>The request stream of a client-streaming or duplex call; each message is written and flushed in turn.</summary>
internal sealed class ClientStreamWriter<TRequest, TResponse>(GrpcCall<TRequest, TResponse> call, StreamingRequestContent content) : IBytesFieldStreamWriter<TRequest>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private int _writing;
    private bool _completed;

    public WriteOptions? WriteOptions { get; set; }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnterWrite();
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((GrpcCall<TRequest, TResponse>)state!).CancelByClient(), call)
            : default;
        try
        {
            if (call.IsFinished)
            {
                // The server already ended the call (or it was canceled): report why, as the status is what matters.
                throw call.Fail(new InvalidOperationException("The call is already over."));
            }

            var (frame, length, pooled) = call.FrameMessage(message, WriteOptions, pooled: true);
            var stream = await content.Stream.ConfigureAwait(false);
            await stream.WriteAsync(frame.AsMemory(0, length), call.CallToken).ConfigureAwait(false);
            await stream.FlushAsync(call.CallToken).ConfigureAwait(false);

            // Only after a write that completed: a failed or canceled one may still be queued to read from the frame.
            if (pooled)
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
        }
        // A usage error stays as it is; anything from the transport (including the ObjectDisposedException of a request
        // stream HttpClient closed because the server answered first, an InvalidOperationException too) yields to the
        // server's status.
        catch (Exception error) when (error is not InvalidOperationException || error is ObjectDisposedException || call.IsFinished)
        {
            throw await call.FailWriteAsync(error).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    public async Task WriteBytesFieldAsync(int fieldNumber, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fieldNumber, 1);
        EnterWrite();
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((GrpcCall<TRequest, TResponse>)state!).CancelByClient(), call)
            : default;
        try
        {
            if (call.IsFinished)
            {
                throw call.Fail(new InvalidOperationException("The call is already over."));
            }

            var header = new byte[GrpcProtocol.MessageHeaderSize + BytesFieldMessage.MaxPrefixSize];
            var headerLength = call.FrameBytesField(fieldNumber, bytes, WriteOptions, header, out var compressedFrame);
            var stream = await content.Stream.ConfigureAwait(false);
            if (compressedFrame is not null)
            {
                await stream.WriteAsync(compressedFrame, call.CallToken).ConfigureAwait(false);
            }
            else
            {
                // Two writes, no copy of the bytes into a frame: the HTTP/2 layer frames (and copies) them anyway.
                await stream.WriteAsync(header.AsMemory(0, headerLength), call.CallToken).ConfigureAwait(false);
                await stream.WriteAsync(bytes, call.CallToken).ConfigureAwait(false);
            }

            await stream.FlushAsync(call.CallToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not InvalidOperationException || error is ObjectDisposedException || call.IsFinished)
        {
            throw await call.FailWriteAsync(error).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    public Task CompleteAsync()
    {
        _completed = true;
        content.Complete();
        return Task.CompletedTask;
    }

    private void EnterWrite()
    {
        if (_completed)
        {
            throw new InvalidOperationException("The request stream is already completed.");
        }

        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("A write is already in progress: await each WriteAsync before the next.");
        }
    }
}
