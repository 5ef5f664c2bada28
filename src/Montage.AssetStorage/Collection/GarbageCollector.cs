using Montage.AssetStorage.Storage;
using Npgsql;

namespace Montage.AssetStorage.Collection;

/// <summary>
/// Removes what no asset needs any more, once it is older than the grace period: blobs whose reference count is
/// zero, blob files without a row (a crash between rename and commit), and temp files of abandoned uploads.
/// Blob removal takes the same per-hash lock as ingestion, so bytes being re-added are never deleted.
/// </summary>
internal sealed partial class GarbageCollector(AssetStorageOptions options, NpgsqlDataSource dataSource, BlobStore blobs, TimeProvider time, ILogger<GarbageCollector> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.GcInterval, time);
        do
        {
            try
            {
                var result = await CollectAsync(stoppingToken).ConfigureAwait(false);
                if (result.Total > 0)
                {
                    LogCollected(logger, result.Blobs, result.OrphanFiles, result.TempFiles);
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or UnauthorizedAccessException)
            {
                LogFailed(logger, exception.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public async Task<CollectionResult> CollectAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.GcGracePeriod;
        var blobCount = 0;
        await using (var command = dataSource.CreateCommand("SELECT sha256 FROM blobs WHERE ref_count = 0 AND unreferenced_since < @cutoff LIMIT 1000"))
        {
            command.Parameters.AddWithValue("cutoff", cutoff);
            var candidates = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    candidates.Add(reader.GetString(0));
                }
            }

            foreach (var sha256 in candidates)
            {
                blobCount += await RemoveBlobAsync(sha256, cutoff, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            }
        }

        var orphans = await RemoveOrphanFilesAsync(cutoff, cancellationToken).ConfigureAwait(false);
        var temps = RemoveOldTempFiles(cutoff);
        return new CollectionResult(blobCount, orphans, temps);
    }

    private async Task<bool> RemoveBlobAsync(string sha256, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await BlobStore.LockAsync(connection, transaction, sha256, cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlCommand(
            "DELETE FROM blobs WHERE sha256 = @sha AND ref_count = 0 AND unreferenced_since < @cutoff", connection, transaction);
        delete.Parameters.AddWithValue("sha", sha256);
        delete.Parameters.AddWithValue("cutoff", cutoff);
        if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        // Deleted under the lock and before the commit: if the commit fails, the row is collected again later.
        BlobWriter.TryDelete(blobs.PathOf(sha256));
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<int> RemoveOrphanFilesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(options.BlobsDirectory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(options.BlobsDirectory, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(path);
            if (!BlobStore.IsSha256(name) || File.GetLastWriteTimeUtc(path) >= cutoff.UtcDateTime)
            {
                continue;
            }

            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await BlobStore.LockAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM blobs WHERE sha256 = @sha", connection, transaction);
            exists.Parameters.AddWithValue("sha", name);
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                BlobWriter.TryDelete(path);
                removed++;
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return removed;
    }

    // An upload in progress writes continuously, so its temp file is never older than the grace period.
    private int RemoveOldTempFiles(DateTimeOffset cutoff)
    {
        if (!Directory.Exists(options.TempDirectory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(options.TempDirectory))
        {
            if (File.GetLastWriteTimeUtc(path) < cutoff.UtcDateTime)
            {
                BlobWriter.TryDelete(path);
                removed++;
            }
        }

        return removed;
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Collected {Blobs} unreferenced blobs, {Orphans} orphaned blob files and {Temps} abandoned temp files.")]
    private static partial void LogCollected(ILogger logger, int blobs, int orphans, int temps);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Garbage collection failed ({Error}); trying again next round.")]
    private static partial void LogFailed(ILogger logger, string error);
}

internal sealed record CollectionResult(int Blobs, int OrphanFiles, int TempFiles)
{
    public int Total => Blobs + OrphanFiles + TempFiles;
}
