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

/// <summary>
/// Idempotency-Key records in the gateway database, per owner and key. A record is kept for <c>retention</c> (24 h by
/// default, as Stripe does): after that the key is free again, whether or not the pruner has deleted the row yet.
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource dataSource, TimeSpan retention)
{
    public TimeSpan Retention { get; } = retention;

    public async Task<(IdempotencyClaim Claim, StoredResponse? Response)> ClaimAsync(string owner, string key, byte[] requestHash, CancellationToken cancellationToken)
    {
        // A new key, or one whose record has outlived the retention (taken over as if new).
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO idempotency_records (owner, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT (owner, key) DO UPDATE " +
            "SET request_hash = EXCLUDED.request_hash, status_code = NULL, content_type = NULL, location = NULL, body = NULL, created_at = now(), completed_at = NULL " +
            "WHERE idempotency_records.created_at < now() - $4"))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = requestHash });
            insert.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = Retention });
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return (IdempotencyClaim.Claimed, null);
            }
        }

        // Released between our insert and this read (the first request failed): the caller may simply retry.
        return await ReadAsync(owner, key, requestHash, includeExpired: true, cancellationToken).ConfigureAwait(false) ?? (IdempotencyClaim.InProgress, null);
    }

    /// <summary>
    /// What a request finds without claiming the key: null when the key has no live record (new, or past its
    /// retention). For requests whose effect is guarded by the key downstream (see <see cref="IdempotencyFilter"/>).
    /// </summary>
    public Task<(IdempotencyClaim Claim, StoredResponse? Response)?> LookupAsync(string owner, string key, byte[] requestHash, CancellationToken cancellationToken) =>
        ReadAsync(owner, key, requestHash, includeExpired: false, cancellationToken);

    /// <summary>
    /// Records a request and its answer at once, without a claim before (see <see cref="LookupAsync"/>); a live record
    /// of the key already there is kept.
    /// </summary>
    public async Task StoreAnswerAsync(string owner, string key, byte[] requestHash, StoredResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO idempotency_records (owner, key, request_hash, status_code, content_type, location, body, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now()) " +
            "ON CONFLICT (owner, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code, content_type = EXCLUDED.content_type, " +
            "location = EXCLUDED.location, body = EXCLUDED.body, created_at = now(), completed_at = now() WHERE idempotency_records.created_at < now() - $8");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = requestHash });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = response.StatusCode });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)response.ContentType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)response.Location ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = response.Body });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = Retention });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<(IdempotencyClaim Claim, StoredResponse? Response)?> ReadAsync(
        string owner, string key, byte[] requestHash, bool includeExpired, CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand(
            "SELECT request_hash, status_code, content_type, location, body FROM idempotency_records WHERE owner = $1 AND key = $2 AND ($3 OR created_at >= now() - $4)");
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        select.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = includeExpired });
        select.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = Retention });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
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

    public async Task CompleteAsync(string owner, string key, StoredResponse response, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE idempotency_records SET status_code = $3, content_type = $4, location = $5, body = $6, completed_at = now() WHERE owner = $1 AND key = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = response.StatusCode });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)response.ContentType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)response.Location ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = response.Body });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
