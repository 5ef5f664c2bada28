using System.Buffers.Binary;
using Montage.Contracts.Jobs.V1;
using Montage.JobTracking.Persistence;
using Npgsql;

namespace Montage.JobTracking.List;

/// <summary>
/// List: newest first by (created_at, id). The page token is the last row's (created_at, id): the next page
/// is the rows strictly after it in that order, so a job inserted meanwhile (newer) never shifts a page.
/// </summary>
internal sealed class ListJobsHandler(JobDatabase database)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public async Task<ListJobsResponse> HandleAsync(ListJobsRequest request, CancellationToken cancellationToken)
    {
        if (request.PageSize < 0)
        {
            throw Errors.InvalidArgument("page_size must not be negative");
        }

        var pageSize = request.PageSize == 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        var cursor = request.PageToken.Length > 0 ? DecodeToken(request.PageToken) : ((DateTime, Guid)?)null;
        var where = new List<string>();
        var parameters = new List<NpgsqlParameter>();

        void Add(string condition, NpgsqlParameter parameter)
        {
            parameters.Add(parameter);
            where.Add(condition.Replace("$?", "$" + parameters.Count, StringComparison.Ordinal));
        }

        if (request.Owner.Length > 0)
        {
            Add("owner = $?", new NpgsqlParameter<string> { TypedValue = request.Owner });
        }

        if (request.ProductionId.Length > 0)
        {
            Add("production_id = $?", new NpgsqlParameter<string> { TypedValue = request.ProductionId });
        }

        if (request.States.Count > 0)
        {
            Add("state = ANY($?)", new NpgsqlParameter<short[]> { TypedValue = request.States.Select(s => (short)s).ToArray() });
        }

        if (request.Kinds.Count > 0)
        {
            Add("kind = ANY($?)", new NpgsqlParameter<string[]> { TypedValue = request.Kinds.ToArray() });
        }

        if (cursor is var (createdAt, id))
        {
            parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = createdAt });
            parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            where.Add($"(created_at, id) < (${parameters.Count - 1}, ${parameters.Count})");
        }

        var sql = $"SELECT {JobRecord.Columns} FROM jobs {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} " +
                  $"ORDER BY created_at DESC, id DESC LIMIT {pageSize + 1}";
        var jobs = await database.QueryJobsAsync(sql, p => p.AddRange(parameters.ToArray()), cancellationToken).ConfigureAwait(false);
        var response = new ListJobsResponse();
        response.Jobs.AddRange(jobs.Take(pageSize).Select(j => j.ToProto()));
        if (jobs.Count > pageSize)
        {
            var last = jobs[pageSize - 1];
            response.NextPageToken = EncodeToken(last.CreatedAt, last.Id);
        }

        return response;
    }

    internal static string EncodeToken(DateTime createdAt, Guid id)
    {
        var bytes = new byte[25];
        bytes[0] = 1;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), createdAt.Ticks);
        id.TryWriteBytes(bytes.AsSpan(9));
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    internal static (DateTime CreatedAt, Guid Id) DecodeToken(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - (base64.Length % 4)) % 4);
            var bytes = Convert.FromBase64String(base64);
            if (bytes.Length != 25 || bytes[0] != 1)
            {
                throw new FormatException();
            }

            var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1));
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            {
                throw new FormatException();
            }

            return (new DateTime(ticks, DateTimeKind.Utc), new Guid(bytes.AsSpan(9)));
        }
        catch (FormatException)
        {
            throw Errors.InvalidArgument($"page_token '{Errors.Truncate(token)}' is not a token returned by List");
        }
    }
}
