using Montage.Gateway.Safety;
using Montage.Gateway.Tests.Infrastructure;
using Npgsql;

namespace Montage.Gateway.Tests.Api;

/// <summary>
/// Idempotency-Key retention against the gateway's real database: a record older than the retention frees its key
/// (the next claim takes it over even before pruning), and pruning deletes exactly the expired records.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class IdempotencyRetentionFunctionalTests(GatewayFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private NpgsqlDataSource _dataSource = null!;
    private IdempotencyStore _store = null!;

    public Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(fixture.GatewayConnectionString);
        _store = new IdempotencyStore(_dataSource, Retention);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task A_key_within_its_retention_still_refuses_a_different_request()
    {
        var owner = NewOwner();
        Assert.Equal(IdempotencyClaim.Claimed, (await _store.ClaimAsync(owner, "k", [1], default)).Claim);
        await _store.CompleteAsync(owner, "k", new StoredResponse(202, "application/json", null, "{}"u8.ToArray()), default);
        await AgeAsync(owner, "k", Retention - TimeSpan.FromHours(1));

        Assert.Equal(IdempotencyClaim.Mismatch, (await _store.ClaimAsync(owner, "k", [2], default)).Claim);
        var (claim, stored) = await _store.ClaimAsync(owner, "k", [1], default);
        Assert.Equal(IdempotencyClaim.Replay, claim);
        Assert.Equal(202, stored!.StatusCode);
    }

    [Fact]
    public async Task An_expired_key_is_claimed_again_as_new_before_any_pruning()
    {
        var owner = NewOwner();
        await _store.ClaimAsync(owner, "k", [1], default);
        await _store.CompleteAsync(owner, "k", new StoredResponse(202, "application/json", null, "{}"u8.ToArray()), default);
        await AgeAsync(owner, "k", Retention + TimeSpan.FromMinutes(1));

        Assert.Equal(IdempotencyClaim.Claimed, (await _store.ClaimAsync(owner, "k", [2], default)).Claim);
        // Taken over: the old answer is gone and the new request is in progress under the key.
        Assert.Equal(IdempotencyClaim.InProgress, (await _store.ClaimAsync(owner, "k", [2], default)).Claim);
        Assert.Equal(IdempotencyClaim.Mismatch, (await _store.ClaimAsync(owner, "k", [1], default)).Claim);
    }

    [Fact]
    public async Task Pruning_deletes_expired_records_and_keeps_the_rest()
    {
        var owner = NewOwner();
        await _store.ClaimAsync(owner, "old", [1], default);
        await _store.ClaimAsync(owner, "fresh", [1], default);
        await AgeAsync(owner, "old", Retention + TimeSpan.FromMinutes(1));

        var deleted = 0;
        int batch;
        do
        {
            batch = await _store.PruneAsync(1000, default);
            deleted += batch;
        }
        while (batch == 1000);

        Assert.True(deleted >= 1);
        Assert.Equal(new[] { "fresh" }, await KeysAsync(owner));
    }

    private static string NewOwner() => "retention-" + Guid.NewGuid().ToString("N")[..12];

    private async Task AgeAsync(string owner, string key, TimeSpan age)
    {
        await using var command = _dataSource.CreateCommand("UPDATE idempotency_records SET created_at = now() - $3 WHERE owner = $1 AND key = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = age });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private async Task<List<string>> KeysAsync(string owner)
    {
        await using var command = _dataSource.CreateCommand("SELECT key FROM idempotency_records WHERE owner = $1 ORDER BY key");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }
}
