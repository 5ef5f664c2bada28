namespace Montage.Gateway.Forwarding;

/// <summary>
/// The request body of a forwarded client-streaming call: the rewritten first message, then the client's own body
/// read on demand (so HTTP/2 flow control reaches the client unchanged: the gateway reads only as fast as the upstream
/// takes), each read scanned by a <see cref="LaterMessageScanner"/> before it is handed on. A refused message ends the
/// copy with <see cref="RefusedMessageException"/>; the forwarder then resets the upstream call, and
/// <see cref="Refusal"/> says which status the client gets.
/// </summary>
internal sealed class ScopedRequestStream(byte[] firstFrame, Stream rest, LaterMessageScanner scanner) : Stream
{
    private int _firstOffset;

    /// <summary>Set once a message was refused; nothing from it onwards was handed on.</summary>
    public GrpcRefusal? Refusal { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Refusal is not null)
        {
            throw new RefusedMessageException(Refusal.Message);
        }

        if (_firstOffset < firstFrame.Length)
        {
            var count = Math.Min(buffer.Length, firstFrame.Length - _firstOffset);
            firstFrame.AsSpan(_firstOffset, count).CopyTo(buffer.Span);
            _firstOffset += count;
            return count;
        }

        var read = await rest.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        var refusal = read == 0 ? scanner.End() : scanner.Scan(buffer.Span[..read]);
        if (refusal is not null)
        {
            Refusal = refusal;
            throw new RefusedMessageException(refusal.Message);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Kestrel allows no synchronous body reads, and the forwarder never makes them.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A request message the gateway will not forward; an I/O failure of the request body to the forwarder.</summary>
internal sealed class RefusedMessageException(string message) : IOException(message);
