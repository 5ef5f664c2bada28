using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Montage.Gateway.Auth;

/// <summary>
/// API keys in the gateway database, looked up by hash. Lookups are cached (hits and misses, for
/// <see cref="GatewayOptions.ApiKeyCacheDuration"/>), so a request costs no database round trip. A revocation notifies
/// every gateway instance through Postgres (<see cref="RevocationChannel"/>, in the revoking transaction) and each
/// drops the key from its cache (<see cref="ApiKeyRevocationListener"/>). Cached lookups are served only while that
/// notification channel is up: when it is down, every lookup reads the database, since revocations could go unheard.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource dataSource, TimeProvider time, IOptions<GatewayOptions> options)
{
    /// <summary>The Postgres NOTIFY channel of revocations; the payload is the revoked key's hash in hex.</summary>
    public const string RevocationChannel = "montage_api_key_revoked";

    private const int MaxCachedEntries = 100_000;
    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Record, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
    private readonly TimeSpan _cacheDuration = options.Value.ApiKeyCacheDuration;

    // Bumped by every eviction: a lookup that read the database before an eviction does not cache what it read, which
    // could be the state from before the revocation.
    private long _generation;
    private volatile bool _revocationsHeard;

    /// <summary>Creates a key for <paramref name="owner"/>; the plain key is returned once and never stored.</summary>
    public async Task<(ApiKeyRecord Record, string Key)> CreateAsync(string owner, string name, int? requestsPerMinute, CancellationToken cancellationToken)
    {
        var key = ApiKeys.Generate();
        var record = await InsertAsync(key, owner, name, requestsPerMinute, cancellationToken).ConfigureAwait(false);
        return (record, key);
    }

    /// <summary>Stores a key chosen elsewhere (the development key); keeps the existing row when it is already there.</summary>
    public async Task<ApiKeyRecord> EnsureAsync(string key, string owner, string name, CancellationToken cancellationToken) =>
        await FindAsync(key, cancellationToken).ConfigureAwait(false)
            ?? await InsertAsync(key, owner, name, null, cancellationToken).ConfigureAwait(false);

    public async Task<ApiKeyRecord?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKeys.Hash(key);
        var cacheKey = Convert.ToHexString(hash);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(cacheKey, out var cached) && cached.Expires > now)
        {
            return cached.Record;
        }

        var generation = Interlocked.Read(ref _generation);
        await using var command = dataSource.CreateCommand(
            "SELECT id, owner, name, label, requests_per_minute, created_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        ApiKeyRecord? record = null;
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            record = new ApiKeyRecord(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetFieldValue<DateTimeOffset>(5));
        }

        Remember(cacheKey, (record, now + _cacheDuration), generation);
        return record;
    }

    /// <summary>Drops one key's cached lookup (<paramref name="keyHashHex"/>: its SHA-256 in hex, any case).</summary>
    public void Evict(string keyHashHex)
    {
        ArgumentNullException.ThrowIfNull(keyHashHex);
        Interlocked.Increment(ref _generation);
        _cache.TryRemove(keyHashHex.ToUpperInvariant(), out _);
    }

    /// <summary>
    /// Revocations are heard from now on: the cache starts empty (whatever it held may predate a revocation that was
    /// missed) and lookups are cached again.
    /// </summary>
    public void StartTrustingCache()
    {
        ClearCache();
        _revocationsHeard = true;
    }

    /// <summary>Revocations may go unheard (the notification channel is down): nothing cached is served or cached.</summary>
    public void StopTrustingCache()
    {
        _revocationsHeard = false;
        ClearCache();
    }

    private void ClearCache()
    {
        Interlocked.Increment(ref _generation);
        _cache.Clear();
    }

    private void Remember(string cacheKey, (ApiKeyRecord? Record, DateTimeOffset Expires) entry, long generation)
    {
        if (!_revocationsHeard || Interlocked.Read(ref _generation) != generation)
        {
            return;
        }

        if (_cache.Count > MaxCachedEntries)
        {
            _cache.Clear();
        }

        _cache[cacheKey] = entry;

        // An eviction between the check above and the write: the entry may be stale, so it goes again.
        if (Interlocked.Read(ref _generation) != generation)
        {
            _cache.TryRemove(KeyValuePair.Create(cacheKey, entry));
        }
    }

    /// <summary>Keys in creation order (ids are time-ordered), optionally of one owner, after <paramref name="afterId"/>.</summary>
    public async Task<IReadOnlyList<ListedApiKey>> ListAsync(string? owner, Guid? afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, owner, name, label, requests_per_minute, created_at, revoked_at FROM api_keys " +
            "WHERE ($1::text IS NULL OR owner = $1) AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)owner ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)afterId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<ListedApiKey>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(ReadListed(reader));
        }

        return keys;
    }

    /// <summary>
    /// Revokes a key: it is refused from now on, here at once (its cached lookup is dropped) and on every other instance
    /// as soon as the notification sent with the revocation reaches it. Revoking a revoked key changes nothing (and
    /// notifies again, which is harmless). Null when there is no such key.
    /// </summary>
    public async Task<ListedApiKey?> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        // One statement, so one transaction: the notification is delivered exactly when the revocation commits.
        await using var command = dataSource.CreateCommand(
            "WITH revoked AS (UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 " +
            "RETURNING id, owner, name, label, requests_per_minute, created_at, revoked_at, key_hash) " +
            "SELECT id, owner, name, label, requests_per_minute, created_at, revoked_at, key_hash, " +
            $"pg_notify('{RevocationChannel}', encode(key_hash, 'hex')) FROM revoked");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var revoked = ReadListed(reader);
        Evict(Convert.ToHexString(reader.GetFieldValue<byte[]>(7)));
        return revoked;
    }

    private static ListedApiKey ReadListed(NpgsqlDataReader reader) =>
        new(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetFieldValue<DateTimeOffset>(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));

    private async Task<ApiKeyRecord> InsertAsync(string key, string owner, string name, int? requestsPerMinute, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var label = ApiKeys.Label(key);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO api_keys (id, key_hash, label, owner, name, requests_per_minute) VALUES ($1, $2, $3, $4, $5, $6) " +
            "ON CONFLICT (key_hash) DO NOTHING RETURNING created_at");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = ApiKeys.Hash(key) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = label });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)requestsPerMinute ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        var created = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (created is DateTime createdAt)
        {
            Evict(Convert.ToHexString(ApiKeys.Hash(key)));
            return new ApiKeyRecord(id, owner, name, label, requestsPerMinute, new DateTimeOffset(createdAt, TimeSpan.Zero));
        }

        // Another instance stored the same key at the same moment (only the development key can collide).
        Evict(Convert.ToHexString(ApiKeys.Hash(key)));
        return await FindAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The API key exists but is revoked.");
    }
}
