using System.Globalization;
using Npgsql;

namespace Montage.AssetStorage.Storage;

/// <summary>
/// The blob tree: <c>blobs/ab/cd/&lt;sha256&gt;</c>, named by content only, so no client-supplied name ever reaches
/// the file system. A blob becomes visible by an atomic rename of a fsynced temp file, inside a transaction that holds
/// a per-hash advisory lock, which the collector takes too: a blob is never deleted while it is being re-added.
/// </summary>
internal sealed class BlobStore(AssetStorageOptions options, NpgsqlDataSource dataSource)
{
    public string PathOf(string sha256) =>
        Path.Combine(options.BlobsDirectory, sha256[..2], sha256[2..4], sha256);

    public static bool IsSha256(string value) => value.Length == 64 && value.AsSpan().ContainsOnlyHex();

    /// <summary>Opens the blob for reading (sequential, no user-space buffer: callers read large chunks).</summary>
    public FileStream OpenRead(string sha256) => new(PathOf(sha256), new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.Read | FileShare.Delete,
        BufferSize = 0,
        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
    });

    /// <summary>
    /// Moves a finished temp file into the blob tree (or drops it when the blob exists already) and runs
    /// <paramref name="rows"/> in the same transaction, under the hash's lock. Commits and returns its result.
    /// </summary>
    public async Task<T> CommitAsync<T>(WrittenBlob blob, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> rows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockAsync(connection, transaction, blob.Sha256, cancellationToken).ConfigureAwait(false);

        var final = PathOf(blob.Sha256);
        if (File.Exists(final) && new FileInfo(final).Length == blob.Size)
        {
            BlobWriter.TryDelete(blob.TempPath);
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(blob.TempPath, final, overwrite: true);
        }

        await using (var command = new NpgsqlCommand(
            "INSERT INTO blobs (sha256, size_bytes, unreferenced_since) VALUES (@sha, @size, now()) ON CONFLICT (sha256) DO NOTHING", connection, transaction))
        {
            command.Parameters.AddWithValue("sha", blob.Sha256);
            command.Parameters.AddWithValue("size", blob.Size);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var result = await rows(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Serialises everything that adds or removes the blob of one hash (transaction-scoped advisory lock).</summary>
    public static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sha256, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction);
        command.Parameters.AddWithValue("key", LockKey(sha256));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static long LockKey(string sha256) => long.Parse(sha256.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
