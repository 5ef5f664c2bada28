using Npgsql;

namespace Montage.Gateway.Safety;

/// <summary>The stored answer to a request made with an Idempotency-Key.</summary>
public sealed record StoredResponse(int StatusCode, string? ContentType, string? Location, byte[] Body);

/// <summary>What a new request with a key finds.</summary>
public enum IdempotencyClaim
{
    /// <summary>First use of the key: run the request, then <c>IdempotencyStore.CompleteAsync</c>.</summary>
    Claimed,

    /// <summary>The same request was answered before: replay it.</summary>
    Replay,

    /// <summary>The same request is still being handled.</summary>
    InProgress,

    /// <summary>The key was used for a different request.</summary>
    Mismatch,
}

/// <summary>How a record write must reach the disk.</summary>
public enum IdempotencyDurability
{
    /// <summary>COMMIT waits for the WAL flush (the record survives a Postgres crash once written).</summary>
    Durable,

    /// <summary>
    /// <c>synchronous_commit = off</c> for this write only: COMMIT does not wait for the flush, which follows within
    /// about three <c>wal_writer_delay</c> (600 ms by default) or with the next durable commit of the same server. A
    /// Postgres crash in that window loses the write (never half of it). Only for requests whose effect has its own
    /// durable guard: see <see cref="IdempotencyFilter"/>.
    /// </summary>
    Relaxed,
}

/// <summary>
/// Idempotency-Key records in the gateway database, per owner and key. A record is kept for <c>retention</c> (24 h by
/// default, as Stripe does): after that the key is free again, whether or not the pruner has deleted the row yet. A
/// claim that was never answered (its gateway died mid-request, or the answer was a relaxed write lost in a Postgres
/// crash) is taken over after <see cref="StaleClaimAfter"/>, so such a key is not stuck at 409 for the retention.
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource dataSource, TimeSpan retention)
{
    /// <summary>Longer than any request is handled (imports included), so a running request is never taken over.</summary>
    public static readonly TimeSpan StaleClaimAfter = TimeSpan.FromMinutes(15);

    public TimeSpan Retention { get; } = retention;

    public Task<(IdempotencyClaim Claim, StoredResponse? Response)> ClaimAsync(string owner, string key, byte[] requestHash, CancellationToken cancellationToken) =>
        ClaimAsync(owner, key, requestHash, IdempotencyDurability.Durable, cancellationToken);

    public async Task<(IdempotencyClaim Claim, StoredResponse? Response)> ClaimAsync(
        string owner, string key, byte[] requestHash, IdempotencyDurability durability, CancellationToken cancellationToken)
    {
        // A new key, one whose record has outlived the retention, or a stale unanswered claim (taken over as if new).
        var inserted = await WriteAsync(durability, cancellationToken,
            "INSERT INTO idempotency_records (owner, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT (owner, key) DO UPDATE " +
            "SET request_hash = EXCLUDED.request_hash, status_code = NULL, content_type = NULL, location = NULL, body = NULL, created_at = now(), completed_at = NULL " +
            "WHERE idempotency_records.created_at < now() - $4 OR (idempotency_records.status_code IS NULL AND idempotency_records.created_at < now() - $5)",
            new NpgsqlParameter<string> { TypedValue = owner },
            new NpgsqlParameter<string> { TypedValue = key },
            new NpgsqlParameter<byte[]> { TypedValue = requestHash },
            new NpgsqlParameter<TimeSpan> { TypedValue = Retention },
            new NpgsqlParameter<TimeSpan> { TypedValue = StaleClaimAfter }).ConfigureAwait(false);
        if (inserted == 1)
        {
            return (IdempotencyClaim.Claimed, null);
        }

        await using var select = dataSource.CreateCommand(
            "SELECT request_hash, status_code, content_type, location, body FROM idempotency_records WHERE owner = $1 AND key = $2");
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // Released between our insert and this read (the first request failed): the caller may simply retry.
            return (IdempotencyClaim.InProgress, null);
        }

        if (!reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(requestHash))
        {
            return (IdempotencyClaim.Mismatch, null);
        }

        if (reader.IsDBNull(1))
        {
            return (IdempotencyClaim.InProgress, null);
        }

        var response = new StoredResponse(reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<byte[]>(4));
        return (IdempotencyClaim.Replay, response);
    }

    public Task CompleteAsync(string owner, string key, StoredResponse response, CancellationToken cancellationToken) =>
        CompleteAsync(owner, key, response, IdempotencyDurability.Durable, cancellationToken);

    public async Task CompleteAsync(string owner, string key, StoredResponse response, IdempotencyDurability durability, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        await WriteAsync(durability, cancellationToken,
            "UPDATE idempotency_records SET status_code = $3, content_type = $4, location = $5, body = $6, completed_at = now() WHERE owner = $1 AND key = $2",
            new NpgsqlParameter<string> { TypedValue = owner },
            new NpgsqlParameter<string> { TypedValue = key },
            new NpgsqlParameter<int> { TypedValue = response.StatusCode },
            new NpgsqlParameter { Value = (object?)response.ContentType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            new NpgsqlParameter { Value = (object?)response.Location ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            new NpgsqlParameter<byte[]> { TypedValue = response.Body }).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes a relaxed claim durable now: a durable commit flushes the WAL up to itself, so the claim written before it
    /// is on disk when this returns.
    /// </summary>
    public async Task MakeDurableAsync(string owner, string key, CancellationToken cancellationToken) =>
        await WriteAsync(IdempotencyDurability.Durable, cancellationToken,
            "UPDATE idempotency_records SET created_at = created_at WHERE owner = $1 AND key = $2",
            new NpgsqlParameter<string> { TypedValue = owner },
            new NpgsqlParameter<string> { TypedValue = key }).ConfigureAwait(false);

    /// <summary>One statement in its own transaction; rows affected.</summary>
    private async Task<int> WriteAsync(IdempotencyDurability durability, CancellationToken cancellationToken, string sql, params NpgsqlParameter[] parameters)
    {
        if (durability == IdempotencyDurability.Durable)
        {
            await using var command = dataSource.CreateCommand(sql);
            command.Parameters.AddRange(parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // SET LOCAL needs a transaction block; both statements go in one round trip, COMMIT in the next.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
        var write = new NpgsqlBatchCommand(sql);
        write.Parameters.AddRange(parameters);
        batch.BatchCommands.Add(write);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return write.RecordsAffected;
    }

    /// <summary>Deletes up to <paramref name="batch"/> records older than the retention; returns how many.</summary>
    public async Task<int> PruneAsync(int batch, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM idempotency_records WHERE ctid IN (SELECT ctid FROM idempotency_records WHERE created_at < now() - $1 LIMIT $2)");
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = Retention });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batch });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets a claim whose request failed without an answer worth keeping, so the client can retry with the key.</summary>
    public async Task ReleaseAsync(string owner, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM idempotency_records WHERE owner = $1 AND key = $2 AND status_code IS NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
