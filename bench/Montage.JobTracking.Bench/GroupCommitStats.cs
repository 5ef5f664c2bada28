using System.Globalization;
using Npgsql;

namespace Montage.JobTracking.Bench;

/// <summary>
/// How many jobs each group-commit transaction carried in the JobTracking cycle run: the rows of one batch share their
/// transaction's timestamp (created_at for Submit, checkpoint_updated_at for Checkpoint, finished_at for Complete).
/// </summary>
internal static class GroupCommitStats
{
    public static async Task<DateTime> NowAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT now()");
        return (DateTime)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<string> JobsPerTransactionAsync(string connectionString, DateTime since)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("""
            SELECT count(*)::float8 / greatest(count(DISTINCT created_at), 1),
                   count(*)::float8 / greatest(count(DISTINCT checkpoint_updated_at), 1),
                   count(*)::float8 / greatest(count(DISTINCT finished_at), 1)
            FROM jobs WHERE owner LIKE 'bench-owner-%' AND created_at >= $1 AND state = 4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = since });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return string.Create(CultureInfo.InvariantCulture, $"Submit {reader.GetDouble(0):0.0}, Checkpoint {reader.GetDouble(1):0.0}, Complete {reader.GetDouble(2):0.0}");
    }
}
