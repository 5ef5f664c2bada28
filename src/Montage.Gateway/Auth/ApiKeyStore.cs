using System.Collections.Concurrent;
using Npgsql;

namespace Montage.Gateway.Auth;

/// <summary>
/// API keys in the gateway database, looked up by hash. Lookups are cached briefly (hits and misses), so a request
/// costs no database round trip. A key revoked through this instance stops working at once; other gateway instances
/// notice within <see cref="CacheDuration"/>.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(30);
    private const int MaxCachedEntries = 100_000;
    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Record, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

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

        if (_cache.Count > MaxCachedEntries)
        {
            _cache.Clear();
        }

        _cache[cacheKey] = (record, now + CacheDuration);
        return record;
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
    /// Revokes a key: it is refused from now on, here at once (its cached lookup is dropped). Revoking a revoked key
    /// changes nothing. Null when there is no such key.
    /// </summary>
    public async Task<ListedApiKey?> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 " +
            "RETURNING id, owner, name, label, requests_per_minute, created_at, revoked_at, key_hash");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var revoked = ReadListed(reader);
        _cache.TryRemove(Convert.ToHexString(reader.GetFieldValue<byte[]>(7)), out _);
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
            _cache.TryRemove(Convert.ToHexString(ApiKeys.Hash(key)), out _);
            return new ApiKeyRecord(id, owner, name, label, requestsPerMinute, new DateTimeOffset(createdAt, TimeSpan.Zero));
        }

        // Another instance stored the same key at the same moment (only the development key can collide).
        _cache.TryRemove(Convert.ToHexString(ApiKeys.Hash(key)), out _);
        return await FindAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The API key exists but is revoked.");
    }
}
