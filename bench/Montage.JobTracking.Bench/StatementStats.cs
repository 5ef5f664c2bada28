using System.Globalization;
using System.Text;
using Npgsql;

namespace Montage.JobTracking.Bench;

/// <summary>
/// Where Postgres spends its time, per statement, when the server has pg_stat_statements loaded (an external server
/// started with <c>-c shared_preload_libraries=pg_stat_statements</c>; see Program.cs). Silent otherwise.
/// </summary>
internal static class StatementStats
{
    /// <summary>Clears the counters; false when the extension is not available on this server.</summary>
    public static async Task<bool> ResetAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            await using var create = dataSource.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()");
            await create.ExecuteNonQueryAsync();
            return true;
        }
        catch (PostgresException)
        {
            return false;
        }
    }

    /// <summary>
    /// The top statements by execution plus planning time, as a markdown table with figures per job. Planning figures
    /// need <c>pg_stat_statements.track_planning = on</c> (zero otherwise).
    /// </summary>
    public static async Task<string> TopAsync(string connectionString, long jobs, int limit = 15)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand($"""
            SELECT calls, total_exec_time, rows, shared_blks_hit + shared_blks_read, query, total_plan_time, plans
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time + total_plan_time DESC LIMIT {limit}
            """);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| calls per job | exec ms per job | mean ms per call | rows per call | buffers per call | plans per call | plan ms per job | statement |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var calls = reader.GetInt64(0);
            var total = reader.GetDouble(1);
            var perCall = (double)Math.Max(calls, 1);
            var query = string.Join(' ', reader.GetString(4).Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
            query = query.Length > 140 ? query[..140] + "..." : query;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {calls / (double)Math.Max(jobs, 1):0.00} | {total / Math.Max(jobs, 1):0.000} | {total / perCall:0.000} | {reader.GetInt64(2) / perCall:0.0} | {reader.GetInt64(3) / perCall:0.0} | {reader.GetInt64(6) / perCall:0.00} | {reader.GetDouble(5) / Math.Max(jobs, 1):0.000} | `{query.Replace("|", "\\|", StringComparison.Ordinal)}` |");
        }

        return text.ToString();
    }
}
