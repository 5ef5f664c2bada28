using Google.Protobuf.WellKnownTypes;
using Montage.Contracts.Assets.V1;
using Npgsql;
using NpgsqlTypes;

namespace Montage.AssetStorage.Persistence;

/// <summary>A new asset row, everything but the id, blob and timestamps.</summary>
internal sealed record NewAsset(
    string Owner,
    string Name,
    string ContentType,
    AssetKind Kind,
    MediaInfo? Media,
    AssetSource Source,
    IReadOnlyList<string> Tags,
    string? DerivedFrom = null,
    string? DeriveKey = null);

/// <summary>Reads and writes asset rows; every statement names its columns explicitly.</summary>
internal static class AssetRows
{
    public const string Columns =
        "id, owner, sha256, size_bytes, content_type, kind, width, height, duration_ms, fps, video_codec, audio_codec, has_audio, probed, " +
        "name, source_type, source_url, source_job_id, source_provider, derived_from, derivative, tags, created_at";

    public static Asset Read(NpgsqlDataReader reader)
    {
        var asset = new Asset
        {
            Id = reader.GetString(0),
            Owner = reader.GetString(1),
            Sha256 = reader.GetString(2),
            SizeBytes = reader.GetInt64(3),
            ContentType = reader.GetString(4),
            Kind = (AssetKind)reader.GetInt16(5),
            Name = reader.GetString(14),
            Source = new AssetSource
            {
                Type = reader.GetString(15),
                Url = reader.GetString(16),
                JobId = reader.GetString(17),
                Provider = reader.GetString(18),
                DerivedFromAssetId = reader.IsDBNull(19) ? "" : reader.GetString(19),
                Derivative = (DerivativeKind)reader.GetInt16(20),
            },
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(reader.GetDateTime(22), DateTimeKind.Utc)),
        };
        asset.Tags.AddRange(reader.GetFieldValue<string[]>(21));
        if (reader.GetBoolean(13))
        {
            asset.Media = new MediaInfo
            {
                Width = reader.IsDBNull(6) ? 0 : reader.GetInt32(6),
                Height = reader.IsDBNull(7) ? 0 : reader.GetInt32(7),
                Fps = reader.IsDBNull(9) ? 0 : reader.GetDouble(9),
                VideoCodec = reader.IsDBNull(10) ? "" : reader.GetString(10),
                AudioCodec = reader.IsDBNull(11) ? "" : reader.GetString(11),
                HasAudio = !reader.IsDBNull(12) && reader.GetBoolean(12),
            };
            if (!reader.IsDBNull(8))
            {
                asset.Media.Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(reader.GetInt64(8)));
            }
        }

        return asset;
    }

    /// <summary>
    /// Inserts the asset for a blob whose row exists (caller holds the hash's lock), counting the reference; when the
    /// owner already has these bytes (or the derivative exists) the existing asset is returned instead.
    /// </summary>
    public static async Task<Asset> InsertOrGetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sha256, long size, NewAsset asset, CancellationToken cancellationToken)
    {
        await using (var insert = new NpgsqlCommand(
            $"""
            INSERT INTO assets (id, owner, sha256, size_bytes, content_type, kind, width, height, duration_ms, fps, video_codec, audio_codec, has_audio,
                                probed, name, source_type, source_url, source_job_id, source_provider, derived_from, derivative, derive_key, tags)
            VALUES (@id, @owner, @sha, @size, @content_type, @kind, @width, @height, @duration_ms, @fps, @video_codec, @audio_codec, @has_audio,
                    @probed, @name, @source_type, @source_url, @source_job_id, @source_provider, @derived_from, @derivative, @derive_key, @tags)
            ON CONFLICT DO NOTHING
            RETURNING {Columns}
            """, connection, transaction))
        {
            var media = asset.Media;
            var p = insert.Parameters;
            p.AddWithValue("id", AssetIds.New());
            p.AddWithValue("owner", asset.Owner);
            p.AddWithValue("sha", sha256);
            p.AddWithValue("size", size);
            p.AddWithValue("content_type", asset.ContentType);
            p.AddWithValue("kind", (short)asset.Kind);
            p.Add(new NpgsqlParameter("width", NpgsqlDbType.Integer) { Value = media is null ? DBNull.Value : media.Width });
            p.Add(new NpgsqlParameter("height", NpgsqlDbType.Integer) { Value = media is null ? DBNull.Value : media.Height });
            p.Add(new NpgsqlParameter("duration_ms", NpgsqlDbType.Bigint) { Value = media?.Duration is { } d ? (long)d.ToTimeSpan().TotalMilliseconds : DBNull.Value });
            p.Add(new NpgsqlParameter("fps", NpgsqlDbType.Double) { Value = media is null ? DBNull.Value : media.Fps });
            p.Add(new NpgsqlParameter("video_codec", NpgsqlDbType.Text) { Value = media is null ? DBNull.Value : media.VideoCodec });
            p.Add(new NpgsqlParameter("audio_codec", NpgsqlDbType.Text) { Value = media is null ? DBNull.Value : media.AudioCodec });
            p.Add(new NpgsqlParameter("has_audio", NpgsqlDbType.Boolean) { Value = media is null ? DBNull.Value : media.HasAudio });
            p.AddWithValue("probed", media is not null);
            p.AddWithValue("name", asset.Name);
            p.AddWithValue("source_type", asset.Source.Type);
            p.AddWithValue("source_url", asset.Source.Url);
            p.AddWithValue("source_job_id", asset.Source.JobId);
            p.AddWithValue("source_provider", asset.Source.Provider);
            p.Add(new NpgsqlParameter("derived_from", NpgsqlDbType.Text) { Value = (object?)asset.DerivedFrom ?? DBNull.Value });
            p.AddWithValue("derivative", (short)asset.Source.Derivative);
            p.Add(new NpgsqlParameter("derive_key", NpgsqlDbType.Text) { Value = (object?)asset.DeriveKey ?? DBNull.Value });
            p.AddWithValue("tags", asset.Tags.ToArray());
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var created = Read(reader);
                await reader.DisposeAsync().ConfigureAwait(false);
                await using var count = new NpgsqlCommand(
                    "UPDATE blobs SET ref_count = ref_count + 1, unreferenced_since = NULL WHERE sha256 = @sha", connection, transaction);
                count.Parameters.AddWithValue("sha", sha256);
                await count.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return created;
            }
        }

        var existing = asset.DerivedFrom is null
            ? await FindAsync(connection, transaction, "owner = @a AND sha256 = @b AND derived_from IS NULL", asset.Owner, sha256, cancellationToken).ConfigureAwait(false)
            : await FindAsync(connection, transaction, "derived_from = @a AND derive_key = @b", asset.DerivedFrom, asset.DeriveKey!, cancellationToken).ConfigureAwait(false);
        return existing ?? throw new InvalidOperationException("An asset insert conflicted, yet no existing asset matches.");
    }

    private static async Task<Asset?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string where, string a, string b, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM assets WHERE {where}", connection, transaction);
        command.Parameters.AddWithValue("a", a);
        command.Parameters.AddWithValue("b", b);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }
}
