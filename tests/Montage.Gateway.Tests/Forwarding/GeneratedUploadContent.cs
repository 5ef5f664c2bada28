using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Montage.Gateway.Tests.Forwarding;

/// <summary>
/// Upload content made on the fly (nothing of its size is held in memory): a random 1 MiB block, each copy stamped
/// with its index so the content is unique, hashed as it is read. Optionally stops after
/// <paramref name="pauseAfterBytes"/> until the reader's cancellation, to cut an upload midway.
/// </summary>
internal sealed class GeneratedUploadContent(long length, long? pauseAfterBytes = null) : Stream
{
    private const int BlockSize = 1024 * 1024;
    private readonly byte[] _block = RandomNumberGenerator.GetBytes(BlockSize);
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _position;

    /// <summary>Completes once the content stopped at its pause point.</summary>
    public Task Paused => _paused.Task;

    /// <summary>Lowercase hex SHA-256 of everything read; call once the upload completed.</summary>
    public string Sha256() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var limit = pauseAfterBytes ?? length;
        if (_position >= limit && pauseAfterBytes is not null)
        {
            _paused.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        var count = (int)Math.Min(buffer.Length, limit - _position);
        if (count <= 0)
        {
            return 0;
        }

        var span = buffer.Span[..count];
        for (var written = 0; written < count;)
        {
            var offset = (int)((_position + written) % BlockSize);
            var piece = Math.Min(count - written, BlockSize - offset);
            _block.AsSpan(offset, piece).CopyTo(span[written..]);
            if (offset == 0 && piece >= 8)
            {
                BinaryPrimitives.WriteInt64LittleEndian(span[written..], (_position + written) / BlockSize);
            }

            written += piece;
        }

        _hash.AppendData(span);
        _position += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
