using System.Security.Cryptography;

namespace Montage.AssetStorage.Storage;

/// <summary>
/// Receives the bytes of one upload into a temp file in the store's own file system, hashing them on the way and
/// enforcing the size limit. Nothing is visible in the blob tree until <see cref="BlobStore"/> renames the finished,
/// fsynced file into place; disposing an unfinished writer deletes the temp file.
/// </summary>
internal sealed class BlobWriter : IAsyncDisposable
{
    public const int HeaderBytes = 64;

    private readonly FileStream _file;
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
        _file = new FileStream(TempPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        _writeback = new EarlyWriteback(_file.SafeFileHandle);
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

        if (Length + bytes.Length > _maxBytes)
        {
            throw Errors.ResourceExhausted($"the content is larger than the limit of {_maxBytes} bytes");
        }

        if (Length < HeaderBytes)
        {
            var take = (int)Math.Min(HeaderBytes - Length, bytes.Length);
            bytes.Span[..take].CopyTo(_header.AsSpan((int)Length));
        }

        // The file write runs on the thread pool while this thread hashes the same bytes: both only read them.
        var write = _file.WriteAsync(bytes, cancellationToken);
        _hash.AppendData(bytes.Span);
        await write.ConfigureAwait(false);
        Length += bytes.Length;
        _writeback.Advance(Length);
    }

    /// <summary>Flushes to disk (fsync) and returns the content's hash and first bytes; the file stays at <see cref="TempPath"/>.</summary>
    public async Task<WrittenBlob> CompleteAsync()
    {
        await _file.FlushAsync().ConfigureAwait(false);
        // Durable before it becomes visible: the rename must never expose a file whose bytes are still in the page cache only.
        _file.Flush(flushToDisk: true);
        await _file.DisposeAsync().ConfigureAwait(false);
        _completed = true;
        var sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        return new WrittenBlob(TempPath, sha256, Length, _header.AsMemory(0, (int)Math.Min(Length, HeaderBytes)));
    }

    /// <summary>The temp file has been moved or consumed by the store; do not delete it on dispose.</summary>
    public void Keep() => _kept = true;

    public async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }

        _hash.Dispose();
        if (!_kept)
        {
            TryDelete(TempPath);
        }
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
