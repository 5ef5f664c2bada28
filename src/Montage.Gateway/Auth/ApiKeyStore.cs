using System.Collections.Concurrent;
using Npgsql;

namespace Montage.Gateway.Auth;

/// <summary>
/// API keys in the gateway database, looked up by hash. Lookups are cached briefly (hits and misses), so a request
/// costs no database round trip; a revoked key stops working within <see cref="CacheDuration"/>.
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
