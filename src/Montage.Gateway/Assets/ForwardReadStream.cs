namespace Montage.Gateway.Assets;

/// <summary>
/// A read-only, forward-only stream over another one that lets a subclass look at every asynchronous read. Synchronous
/// reads are refused: Kestrel forbids them on request bodies anyway, and an upload must never block a thread.
/// </summary>
internal abstract class ForwardReadStream(Stream inner) : Stream
{
    protected Stream Inner { get; } = inner;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Only asynchronous reads are supported.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Counts what passes and fails the read that goes beyond <paramref name="limit"/> bytes.</summary>
internal sealed class LimitedReadStream(Stream inner, long limit) : ForwardReadStream(inner)
{
    public long BytesRead { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        BytesRead += read;
        if (BytesRead > limit)
        {
            throw new ContentTooLargeException(limit);
        }

        return read;
    }
}

/// <summary>The request carries more bytes than the configured limit (answered with 413).</summary>
internal sealed class ContentTooLargeException(long limit) : Exception($"The content is larger than the limit of {limit} bytes.")
{
    public long Limit { get; } = limit;
}
