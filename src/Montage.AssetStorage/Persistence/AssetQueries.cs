using Montage.Contracts.Assets.V1;
using Npgsql;

namespace Montage.AssetStorage.Persistence;

/// <summary>Reads of single assets, owner-scoped: an asset of another owner is indistinguishable from a missing one.</summary>
internal sealed class AssetQueries(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>The asset, or null. An empty owner is an internal caller (a worker) and sees every owner's assets.</summary>
    public async Task<Asset?> FindAsync(string id, string owner, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand(
            $"SELECT {AssetRows.Columns} FROM assets WHERE id = @id AND (@owner = '' OR owner = @owner)");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? AssetRows.Read(reader) : null;
    }

    public async Task<Asset> GetAsync(string id, string owner, CancellationToken cancellationToken) =>
        await FindAsync(id, owner, cancellationToken).ConfigureAwait(false) ?? throw Errors.AssetNotFound(id);
}
