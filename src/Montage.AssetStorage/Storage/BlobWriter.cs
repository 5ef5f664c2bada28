using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Montage.AssetStorage.Storage;

/// <summary>
/// Receives the bytes of one upload into a temp file in the store's own file system, hashing them on the way and
/// enforcing the size limit. Nothing is visible in the blob tree until <see cref="BlobStore"/> renames the finished,
/// fsynced file into place; disposing an unfinished writer deletes the temp file.
/// </summary>
internal sealed class BlobWriter : IAsyncDisposable
{
    public const int HeaderBytes = 64;

    private readonly SafeFileHandle _file;
    private readonly List<ReadOnlyMemory<byte>> _segments = [];
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _header = new byte[HeaderBytes];
    private readonly long _maxBytes;
    private readonly EarlyWriteback _writeback;
    private bool _completed;
    private bool _kept;

    public BlobWriter(string tempDirectory, long maxBytes)
    {
        Directory.CreateDirectory(tempDirectory);
        TempPath = Path.Combine(tempDirectory, Guid.NewGuid().ToString("N") + ".part");
        _maxBytes = maxBytes;
        // A bare handle: every write names its offset (pwrite/pwritev), and nothing is buffered in between.
        _file = File.OpenHandle(TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, FileOptions.Asynchronous);
        _writeback = new EarlyWriteback(_file);
    }

    public string TempPath { get; }

    public long Length { get; private set; }

    /// <summary>Appends bytes; RESOURCE_EXHAUSTED (and nothing kept) once the total passes the limit.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        Accept(bytes.Length);
        if (Length < HeaderBytes)
        {
            var take = (int)Math.Min(HeaderBytes - Length, bytes.Length);
            bytes.Span[..take].CopyTo(_header.AsSpan((int)Length));
        }

        // The file write runs on the thread pool while this thread hashes the same bytes: both only read them.
        var write = RandomAccess.WriteAsync(_file, bytes, Length, cancellationToken);
        _hash.AppendData(bytes.Span);
        await write.ConfigureAwait(false);
        Advance(bytes.Length);
    }

    /// <summary>
    /// Appends bytes that arrive in pieces (the segments of a network buffer) with one gathered write (pwritev),
    /// hashing them meanwhile: no piece is copied. The caller keeps the memory valid until this completes.
    /// </summary>
    public async ValueTask WriteAsync(ReadOnlySequence<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.IsSingleSegment)
        {
            await WriteAsync(bytes.First, cancellationToken).ConfigureAwait(false);
            return;
        }

        var length = checked((int)bytes.Length);
        Accept(length);
        if (Length < HeaderBytes)
        {
            var take = (int)Math.Min(HeaderBytes - Length, length);
            bytes.Slice(0, take).CopyTo(_header.AsSpan((int)Length));
        }

        _segments.Clear();
        foreach (var segment in bytes)
        {
            if (!segment.IsEmpty)
            {
                _segments.Add(segment);
            }
        }

        var write = RandomAccess.WriteAsync(_file, _segments, Length, cancellationToken);
        foreach (var segment in _segments)
        {
            _hash.AppendData(segment.Span);
        }

        try
        {
            await write.ConfigureAwait(false);
        }
        finally
        {
            // The list must not keep the caller's buffers reachable once they are given back.
            _segments.Clear();
        }

        Advance(length);
    }

    private void Accept(int length)
    {
        if (Length + length > _maxBytes)
        {
            throw Errors.ResourceExhausted($"the content is larger than the limit of {_maxBytes} bytes");
        }
    }

    private void Advance(int length)
    {
        Length += length;
        _writeback.Advance(Length);
    }

    /// <summary>Flushes to disk (fsync) and returns the content's hash and first bytes; the file stays at <see cref="TempPath"/>.</summary>
    public Task<WrittenBlob> CompleteAsync()
    {
        // Durable before it becomes visible: the rename must never expose a file whose bytes are still in the page cache only.
        RandomAccess.FlushToDisk(_file);
        _file.Dispose();
        _completed = true;
        var sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        return Task.FromResult(new WrittenBlob(TempPath, sha256, Length, _header.AsMemory(0, (int)Math.Min(Length, HeaderBytes))));
    }

    /// <summary>The temp file has been moved or consumed by the store; do not delete it on dispose.</summary>
    public void Keep() => _kept = true;

    public ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            _file.Dispose();
        }

        _hash.Dispose();
        if (!_kept)
        {
            TryDelete(TempPath);
        }

        return ValueTask.CompletedTask;
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The collector removes abandoned temp files later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A finished, fsynced temp file and what is known about its bytes.</summary>
internal sealed record WrittenBlob(string TempPath, string Sha256, long Size, ReadOnlyMemory<byte> Header);
