using Google.Protobuf;

namespace Montage.Grpc.Client;

/// <summary>The response stream of a server-streaming or duplex call.</summary>
internal sealed class ResponseStreamReader<TRequest, TResponse>(GrpcCall<TRequest, TResponse> call) : IBytesFieldStreamReader<TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private TResponse? _current;
    private int _reading;

    public TResponse Current => _current ?? throw new InvalidOperationException("No message has been read yet: call MoveNext first.");

    public ReadOnlyMemory<byte> CurrentBytes { get; private set; }

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        EnterRead();
        try
        {
            var message = await call.ReadNextAsync(cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                return false;
            }

            _current = message;
            return true;
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    public async Task<BytesFieldRead> ReadBytesFieldOrMessageAsync(int fieldNumber, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fieldNumber, 1);
        EnterRead();
        try
        {
            // The previous bytes are about to be overwritten: nobody may keep reading them through this reader.
            CurrentBytes = default;
            var (message, bytes) = await call.ReadNextOrBytesFieldAsync(fieldNumber, cancellationToken).ConfigureAwait(false);
            if (bytes is { } payload)
            {
                CurrentBytes = payload;
                return BytesFieldRead.Bytes;
            }

            if (message is null)
            {
                return BytesFieldRead.End;
            }

            _current = message;
            return BytesFieldRead.Message;
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    private void EnterRead()
    {
        if (Interlocked.Exchange(ref _reading, 1) == 1)
        {
            throw new InvalidOperationException("A read is already in progress: await each MoveNext before the next.");
        }
    }
}
