using System.Globalization;
using System.Text;
using Montage.AssetStorage.Persistence;
using Montage.AssetStorage.Storage;
using Montage.Contracts.Assets.V1;

namespace Montage.AssetStorage.Catalog;

/// <summary>List: an owner's assets, newest first, keyset-paginated by (created_at, id) so pages never skip or repeat.</summary>
internal sealed class ListHandler(AssetQueries queries)
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 500;

    public async Task<ListAssetsResponse> HandleAsync(ListAssetsRequest request, CancellationToken cancellationToken)
    {
        var owner = AssetValidation.RequireOwner(request.Owner);
        if (request.PageSize < 0)
        {
            throw Errors.InvalidArgument("page_size must not be negative");
        }

        if (!Enum.IsDefined(request.Kind))
        {
            throw Errors.InvalidArgument("kind is not a known asset kind");
        }

        var pageSize = request.PageSize == 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        var tags = AssetValidation.CheckTags(request.Tags);
        var cursor = string.IsNullOrEmpty(request.PageToken) ? ((DateTime, string)?)null : DecodeToken(request.PageToken);

        var sql = new StringBuilder($"SELECT {AssetRows.Columns} FROM assets WHERE owner = @owner");
        await using var command = queries.DataSource.CreateCommand();
        command.Parameters.AddWithValue("owner", owner);
        if (request.Kind != AssetKind.Unspecified)
        {
            sql.Append(" AND kind = @kind");
            command.Parameters.AddWithValue("kind", (short)request.Kind);
        }

        if (tags.Count > 0)
        {
            sql.Append(" AND tags @> @tags");
            command.Parameters.AddWithValue("tags", tags.ToArray());
        }

        if (cursor is { } position)
        {
            var (createdAt, id) = position;
            sql.Append(" AND (created_at, id) < (@created_at, @id)");
            command.Parameters.AddWithValue("created_at", createdAt);
            command.Parameters.AddWithValue("id", id);
        }

        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT @limit");
        command.Parameters.AddWithValue("limit", pageSize + 1);
        command.CommandText = sql.ToString();

        var response = new ListAssetsResponse();
        var lastCreated = default(DateTime);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (response.Assets.Count == pageSize)
                {
                    var last = response.Assets[^1];
                    response.NextPageToken = EncodeToken(lastCreated, last.Id);
                    break;
                }

                response.Assets.Add(AssetRows.Read(reader));
                lastCreated = reader.GetFieldValue<DateTime>(22);
            }
        }

        return response;
    }

    // Microsecond ticks keep the cursor exact (timestamptz has microsecond precision).
    private static string EncodeToken(DateTime createdAt, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{createdAt.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture)}|{id}"));

    private static (DateTime, string) DecodeToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var parts = text.Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && AssetIds.IsWellFormed(parts[1]))
            {
                return (new DateTime(ticks, DateTimeKind.Utc), parts[1]);
            }
        }
        catch (FormatException)
        {
        }

        throw Errors.InvalidArgument("page_token is not a token returned by List");
    }
}
